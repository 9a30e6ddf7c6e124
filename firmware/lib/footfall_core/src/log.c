#include "footfall/log.h"

#include <stdarg.h>
#include <stdio.h>

static ff_log_fn log_sink = NULL;
static int log_max_level = FF_LOG_INFO;

void ff_log_set_sink(ff_log_fn sink, int max_level)
{
    log_sink = sink;
    log_max_level = max_level;
}

void ff_log_write(int level, const char *tag, const char *format, ...)
{
    if (log_sink == NULL || level > log_max_level) {
        return;
    }

    /* A stack buffer keeps logging allocation-free; long messages are cut, not lost. */
    char message[192];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);

    log_sink(level, tag, message);
}
