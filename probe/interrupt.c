/* probe/interrupt.c — the registry of what an interrupted run must undo (see interrupt.h). One
 * mutex guards it; interrupt_stop() takes a copy and sets `stopping` under it, so a child or a
 * directory is either in the copy or refused. */
#define _GNU_SOURCE
#include "probe/interrupt.h"

#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct reg_path {
    char *path;
    bool dir;
} reg_path;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static void (*first_use)(void);
static bool used;

void interrupt_on_first_use(void (*fn)(void)) { first_use = fn; }

/* Under mu: the first record starts what must be there to undo it. */
static void use(void)
{
    if (!used && first_use) {
        used = true;
        first_use();
    }
}
static atomic_bool stopping;
static int *groups;
static size_t ngroups, capgroups;
static reg_path *paths;
static size_t npaths, cappaths;

static bool grow(void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    void *nv = realloc(*v, c * size);
    if (!nv)
        return false;
    *v = nv;
    *cap = c;
    return true;
}

bool interrupt_spawn_begin(void)
{
    pthread_mutex_lock(&mu);
    if (atomic_load(&stopping)) {
        pthread_mutex_unlock(&mu);
        return false;
    }
    use();
    return true;
}

void interrupt_spawn_end(int pgid)
{
    /* Out of memory: the group is not recorded, and an interrupt leaves it to its timeout. */
    if (pgid > 0 && grow((void **)&groups, ngroups, &capgroups, sizeof *groups))
        groups[ngroups++] = pgid;
    pthread_mutex_unlock(&mu);
}

void interrupt_forget_group(int pgid)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < ngroups; i++)
        if (groups[i] == pgid) {
            groups[i] = groups[--ngroups];
            break;
        }
    pthread_mutex_unlock(&mu);
}

bool interrupt_add_path(const char *path, bool dir)
{
    bool ok = false;
    pthread_mutex_lock(&mu);
    if (!atomic_load(&stopping))
        use();
    if (!atomic_load(&stopping) && grow((void **)&paths, npaths, &cappaths, sizeof *paths)) {
        char *copy = strdup(path);
        if (copy) {
            paths[npaths++] = (reg_path){copy, dir};
            ok = true;
        }
    }
    pthread_mutex_unlock(&mu);
    return ok;
}

void interrupt_forget_path(const char *path)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < npaths; i++)
        if (strcmp(paths[i].path, path) == 0) {
            free(paths[i].path);
            paths[i] = paths[--npaths];
            break;
        }
    pthread_mutex_unlock(&mu);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    /* Depth first (each directory after its entries), physical (a link is removed, never
     * followed), and on dir's own file system only. */
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void interrupt_remove_tree(const char *dir)
{
    interrupt_forget_path(dir);
    remove_tree(dir);
}

bool interrupt_stopping(void) { return atomic_load(&stopping); }

void interrupt_stop(size_t *ngroups_out, size_t *npaths_out)
{
    pthread_mutex_lock(&mu);
    atomic_store(&stopping, true);
    int *g = groups;
    reg_path *p = paths;
    size_t ng = ngroups, np = npaths;
    groups = NULL;
    paths = NULL;
    ngroups = npaths = capgroups = cappaths = 0;
    pthread_mutex_unlock(&mu);
    /* The children first: nothing writes into the directories after this. */
    for (size_t i = 0; i < ng; i++)
        kill(-g[i], SIGKILL);
    for (size_t i = 0; i < np; i++) {
        if (p[i].dir)
            remove_tree(p[i].path);
        else
            unlink(p[i].path);
        free(p[i].path);
    }
    free(g);
    free(p);
    if (ngroups_out)
        *ngroups_out = ng;
    if (npaths_out)
        *npaths_out = np;
}
