/* report/report.c — the table of report formats. */
#include "report/report.h"

#include <string.h>

static const struct {
    const char *name;
    report_writer write;
} formats[] = {
    {"text", report_write_text},     {"json", report_write_json},         {"junit", report_write_junit},
    {"github", report_write_github}, {"markdown", report_write_markdown},
};

report_writer report_writer_for(const char *format)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].name, format) == 0)
            return formats[i].write;
    return NULL;
}

const char *report_format_names(void) { return "text, json, junit, github, markdown"; }
