/* SPDX-License-Identifier: MIT */
/* wh_limits.h: every named limit of the service, in one place. */
#ifndef WH_LIMITS_H
#define WH_LIMITS_H

#define WH_MAX_BODY            (64 * 1024)   /* request body, bytes (contract) */
#define WH_MAX_EVENT_BODY      (256 * 1024)  /* events endpoint body, bytes */
#define WH_MAX_JSON_DEPTH      16            /* nesting accepted in request bodies */
#define WH_MAX_URL_LEN         2048          /* endpoint_url, characters */
#define WH_MIN_SECRET_CP       1             /* secret_hash, Unicode code points */
#define WH_MAX_SECRET_CP       256
#define WH_MAX_SECRET_BYTES    (WH_MAX_SECRET_CP * 4)
#define WH_MAX_PATH_LEN        1024          /* request path bytes routed */
#define WH_DEFAULT_PAGE_SIZE   20
#define WH_MAX_PAGE_SIZE       100
#define WH_MAX_PAGE            100000000LL   /* larger page numbers are past the end */
#define WH_UUID_LEN            36
#define WH_TIME_LEN            27            /* 2026-11-29T10:30:00.123456Z */
#define WH_MAX_NAME_LEN        150           /* user names */
#define WH_MAX_TEMPLATE_NAME   191
#define WH_MAX_DISPLAY_NAME    255
#define WH_MAX_DESCRIPTION     1024
#define WH_TOKEN_RAW_BYTES     32            /* random bytes in a token */
#define WH_TOKEN_PREFIX        "whk_"
#define WH_TOKEN_LEN           (4 + 2 * WH_TOKEN_RAW_BYTES)
#define WH_TOKEN_CACHE_SLOTS   256           /* per worker */
#define WH_KEY_BYTES           32            /* AES-256 */
#define WH_MAX_KEYS            8             /* keys in a key file (rotation) */
#define WH_KEY_ID_LEN          8             /* hex chars of the key fingerprint */
#define WH_GCM_IV_BYTES        12
#define WH_GCM_TAG_BYTES       16
#define WH_SEALED_MAX          (1 + WH_GCM_IV_BYTES + WH_MAX_SECRET_BYTES + WH_GCM_TAG_BYTES)
#define WH_DB_RETRY_BACKOFF_MS 500           /* between reconnect attempts */
#define WH_DB_IDLE_PING_MS     2000          /* ping before a write after this idle time */

#endif
