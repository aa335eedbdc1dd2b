/* report/report.h — turning a result model into text, JSON and the other formats. One file
 * per format in report/; this header and report.c only dispatch. */
#ifndef ABIPROBE_REPORT_H
#define ABIPROBE_REPORT_H

#include "report/result.h"

#include <stdbool.h>
#include <stdio.h>

/* How the report is written. */
typedef struct report_opts {
    bool color;               /* ANSI colour (the caller decides: TTY and no NO_COLOR) */
    int verbose;              /* -v: list every symbol instead of the first few */
    const char *tool_version; /* for the JSON "tool" object */
} report_opts;

/* A writer for one format. Returns 0, or -1 when the stream failed. */
typedef int (*report_writer)(const report *r, const report_opts *o, FILE *out);

/* The writer for a format name ("text", "json"), or NULL if there is none. */
report_writer report_writer_for(const char *format);

/* The names of the formats, comma-separated, for --help. */
const char *report_format_names(void);

/* One file per format. */
int report_write_text(const report *r, const report_opts *o, FILE *out);
int report_write_json(const report *r, const report_opts *o, FILE *out);
int report_write_junit(const report *r, const report_opts *o, FILE *out);
int report_write_github(const report *r, const report_opts *o, FILE *out);
int report_write_markdown(const report *r, const report_opts *o, FILE *out);

#endif
