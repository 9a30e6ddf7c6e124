/*
 * Logging shim of the footfall core: one sink function, one tag per source file.
 *
 *     static void print_line(int level, const char *tag, const char *message)
 *     {
 *         fprintf(stderr, "%c %s: %s\n", "EWID"[level], tag, message);
 *     }
 *     ff_log_set_sink(print_line, FF_LOG_INFO);
 *
 * On the device the glue forwards to ESP_LOGx. Without a sink, messages are dropped.
 */
#ifndef FOOTFALL_LOG_H
#define FOOTFALL_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

/* Severity, most severe first; a sink receives messages up to its level. */
typedef enum {
    FF_LOG_ERROR = 0,
    FF_LOG_WARN = 1,
    FF_LOG_INFO = 2,
    FF_LOG_DEBUG = 3
} ff_log_level_t;

/* Receives one formatted message (no trailing newline). Must not call back into the core. */
typedef void (*ff_log_fn)(int level, const char *tag, const char *message);

/* Installs the sink and the most verbose level it receives; NULL removes the sink. */
void ff_log_set_sink(ff_log_fn sink, int max_level);

/* Formats a message (at most 191 characters are kept) and passes it to the sink. */
void ff_log_write(int level, const char *tag, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#define FF_LOGE(tag, ...) ff_log_write(FF_LOG_ERROR, tag, __VA_ARGS__)
#define FF_LOGW(tag, ...) ff_log_write(FF_LOG_WARN, tag, __VA_ARGS__)
#define FF_LOGI(tag, ...) ff_log_write(FF_LOG_INFO, tag, __VA_ARGS__)
#define FF_LOGD(tag, ...) ff_log_write(FF_LOG_DEBUG, tag, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_LOG_H */
