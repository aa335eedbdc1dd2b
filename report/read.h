/* report/read.h — reading an abiprobe/1 JSON report back into the result model (for merge). */
#ifndef ABIPROBE_READ_H
#define ABIPROBE_READ_H

#include "report/result.h"

#include <stddef.h>

/* What a report says of its own run, beside its results. Strings live in the report. */
typedef struct report_input {
    const char *command;         /* "check", "scan", ... */
    const char *tool_version;    /* the abiprobe that wrote it */
    const char *note;            /* the run's note, or NULL */
    const char *default_runtime; /* the runtime used because none was named, or NULL */
    const char *uncontained;     /* why package code ran uncontained, or NULL */
    int exit_status;             /* the exit status of the run that wrote it, or -1 when not recorded */
    size_t nresults;             /* results appended to the report */
} report_input;

/* Runtimes already read, by their JSON text: results of one runtime share one runtime_facts,
 * across every report merged (the writers group by it). Zero it before the first read. */
typedef struct report_interns {
    char **keys;
    runtime_facts **facts;
    size_t n, cap;
} report_interns;
void report_interns_free(report_interns *in);

/* Append the results of the JSON report text[0..len) to r and describe the run in *in.
 * Returns 0, or -1 with a one-line reason in err (which names the field) when the text is not
 * an abiprobe/1 report this version can read in full. */
int report_read_json(report *r, report_interns *seen, const char *text, size_t len, report_input *in, char *err,
                     size_t errlen);

#endif
