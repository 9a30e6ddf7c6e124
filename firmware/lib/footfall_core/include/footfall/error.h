/*
 * Error codes returned by every function of the footfall core.
 *
 *     ff_err_t err = ff_settings_validate(&settings, reason, sizeof reason);
 *     if (err != FF_OK) {
 *         printf("settings rejected (%s): %s\n", ff_err_name(err), reason);
 *     }
 */
#ifndef FOOTFALL_ERROR_H
#define FOOTFALL_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Result of a core function. FF_OK is zero so that `if (err)` reads naturally. */
typedef enum {
    FF_OK = 0,
    FF_ERR_INVALID_ARG = 1,      /* a NULL pointer or an out-of-range argument */
    FF_ERR_INVALID_SETTINGS = 2, /* counting settings that cannot work; a reason is written */
    FF_ERR_CAPACITY = 3,         /* a fixed build-time capacity is too small for the input */
    FF_ERR_EMPTY = 4,            /* nothing to return (empty queue, no stored settings) */
    FF_ERR_FLASH = 5,            /* the flash driver reported a read, write or erase failure */
    FF_ERR_CORRUPT = 6,          /* stored data failed its checksum or format check */
    FF_ERR_TRANSPORT = 7,        /* no HTTP response: connection refused, timed out, TLS failure */
    FF_ERR_HTTP_STATUS = 8,      /* the service responded with an unexpected HTTP status */
    FF_ERR_PARSE = 9,            /* a JSON body could not be parsed or lacks a required field */
    FF_ERR_NOT_READY = 10,       /* a precondition is not met yet (for example the clock) */
    FF_ERR_BUFFER_TOO_SMALL = 11 /* an output buffer is too small for the result */
} ff_err_t;

/* Returns the constant's name without the prefix ("INVALID_ARG") for logs and messages. */
const char *ff_err_name(ff_err_t err);

#ifdef __cplusplus
}
#endif

#endif /* FOOTFALL_ERROR_H */
