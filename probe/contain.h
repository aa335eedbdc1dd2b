/* probe/contain.h — the box that package and addon code runs in. Every runtime process that runs
 * a package's require(), an addon's constructors or a smoke module starts as
 * `abiprobe __contain [-r PATH]... [-w PATH]... [-e NAME]... -- RUNTIME ARGS...`, which, before it
 * executes the runtime, enters:
 *   - a user namespace of its own (unless root), mapping the user to itself;
 *   - a mount namespace where every mount is read-only, the home directory and /tmp are private,
 *     empty tmpfs mounts (gone with the process), and only the paths the check needs (-r: the
 *     project, the runtime, the smoke module; -w: abiprobe's private directory) are seen again
 *     there, at their real paths; a kept project's .npmrc and .yarnrc.yml read as empty files;
 *   - a network namespace with only a loopback of its own;
 *   - a PID namespace, whose first process is the runtime: nothing it starts outlives it;
 * and drops the environment's credentials (contain_withheld()), except those named by -e.
 * Where the kernel refuses namespaces, abiprobe runs package code uncontained and says so. */
#ifndef ABIPROBE_CONTAIN_H
#define ABIPROBE_CONTAIN_H

#include <stdbool.h>
#include <stddef.h>

typedef enum contain_mode { CONTAIN_AUTO, CONTAIN_REQUIRE, CONTAIN_OFF } contain_mode;

/* What the run's containment is: the mode, the paths children must read and the variables to
 * pass though withheld, set once by the command line before any child starts. */
typedef struct contain_policy {
    contain_mode mode;
    const char *self_exe; /* abiprobe itself, which does the entering */
    const char **read;    /* paths the children read (the project, runtimes, smoke modules) */
    size_t nread;
    const char **pass_env; /* variable names to pass although they look like credentials */
    size_t npass;
} contain_policy;

/* Set the run's policy (the arrays are borrowed for the run's life). */
void contain_configure(const contain_policy *p);

/* Whether children run contained: 1 yes, 0 no (why, a static string or the kernel's reason, in
 * *why), decided once, the first time it is asked, by trying it in a child. With CONTAIN_OFF: 0. */
int contain_available(const char **why);

/* How the run went: -1 when no child needed containment (so none was tried), else as
 * contain_available(). */
int contain_outcome(const char **why);

/* The argv prefix that runs a child contained, with dir (abiprobe's private directory for it)
 * writable: up to CONTAIN_ARGV_MAX entries into out, returning how many; 0 when children are not
 * contained (the policy is not configured, or the system cannot: the run then says so);
 * CONTAIN_REFUSED when it cannot and --contain=require asked for it: the child must not start.
 * The strings are the policy's, dir, and static ones. */
enum { CONTAIN_ARGV_MAX = 256 };
#define CONTAIN_REFUSED ((size_t)-1)
size_t contain_argv(const char *dir, const char **out);

/* True when an environment variable's name carries a credential: *TOKEN*, *SECRET*, *PASSWORD*,
 * *PASSWD*, *CREDENTIAL*, *AUTH* (npm's _auth and _authToken included), *_KEY, *_KEY_ID,
 * *PRIVATE*, AWS_*, AZURE_*, GCP_* and GOOGLE_APPLICATION_*, any case. */
bool contain_withheld(const char *name);

/* `abiprobe __contain ARGS`: enter the box and execute the runtime; returns only on failure, with
 * the exit status to use (a line on stderr is the caller's). why gets the reason. */
int contain_exec(int argc, char **argv, char *why, size_t n);

#endif
