#include "footfall/error.h"

const char *ff_err_name(ff_err_t err)
{
    switch (err) {
    case FF_OK:
        return "OK";
    case FF_ERR_INVALID_ARG:
        return "INVALID_ARG";
    case FF_ERR_INVALID_SETTINGS:
        return "INVALID_SETTINGS";
    case FF_ERR_CAPACITY:
        return "CAPACITY";
    case FF_ERR_EMPTY:
        return "EMPTY";
    case FF_ERR_FLASH:
        return "FLASH";
    case FF_ERR_CORRUPT:
        return "CORRUPT";
    case FF_ERR_TRANSPORT:
        return "TRANSPORT";
    case FF_ERR_HTTP_STATUS:
        return "HTTP_STATUS";
    case FF_ERR_PARSE:
        return "PARSE";
    case FF_ERR_NOT_READY:
        return "NOT_READY";
    case FF_ERR_BUFFER_TOO_SMALL:
        return "BUFFER_TOO_SMALL";
    }
    return "UNKNOWN";
}
