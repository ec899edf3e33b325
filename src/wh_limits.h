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
/* A VARCHAR(n) of utf8mb4 holds up to 4n bytes: buffers that read one
 * back are sized from its n, whatever the code writes into it. */
#define WH_UTF8MB4_BYTES(n)    (4 * (n))
#define WH_EVENT_TYPE_COL      255           /* deliveries.event_type */
#define WH_ERROR_COL           255           /* deliveries/attempts.error */
#define WH_ERROR_CLASS_COL     16            /* delivery_attempts.error_class */
#define WH_UUID_LEN            36
#define WH_CURSOR_LEN          (20 + 1 + WH_UUID_LEN)	/* deliveries: digits "_" uuid */
#define WH_TIME_LEN            27            /* 2026-11-29T10:30:00.123456Z */
#define WH_MAX_NAME_LEN        150           /* user names */
#define WH_MAX_IDEMPOTENCY_KEY 255           /* events' idempotency_key */
#define WH_MAX_TEMPLATE_NAME   191
#define WH_MAX_DISPLAY_NAME    255
#define WH_MAX_DESCRIPTION     1024
#define WH_TOKEN_RAW_BYTES     32            /* random bytes in a token */
#define WH_TOKEN_PREFIX        "whk_"
#define WH_TOKEN_LEN           (4 + 2 * WH_TOKEN_RAW_BYTES)
#define WH_TOKEN_CACHE_SLOTS   256           /* per worker */
#define WH_TOKEN_UNKNOWN_SLOTS 256           /* per worker: tokens found unknown */
#define WH_KEY_BYTES           32            /* AES-256 */
#define WH_MAX_KEYS            8             /* keys in a key file (rotation) */
#define WH_KEY_ID_LEN          8             /* hex chars of the key fingerprint */
#define WH_GCM_IV_BYTES        12
#define WH_GCM_TAG_BYTES       16
/* A sealed secret: version, nonce, ciphertext, tag.  A buffer that reads
 * one back from the database holds WH_SEALED_MAX + 1 (the reader's NUL). */
#define WH_SEALED_MAX          (1 + WH_GCM_IV_BYTES + WH_MAX_SECRET_BYTES + WH_GCM_TAG_BYTES)
#define WH_SEALED_COL          1100          /* VARBINARY of the secret columns */
/* The JSON each attempt of a delivery sends: the event's data (within
 * WH_MAX_EVENT_BODY) in an envelope of type, timestamp and webhook id. */
#define WH_DELIVERY_ENVELOPE   1024
#define WH_MAX_DELIVERY_BODY   (WH_MAX_EVENT_BODY + WH_DELIVERY_ENVELOPE)
#define WH_MAX_ATTEMPTS        100           /* of one delivery, redeliveries included */
#define WH_MAX_ATTEMPT_LOG     100           /* newest attempts in attempt_log */
#define WH_REPLAY_MAX          10000         /* default replay_max_deliveries */
#define WH_REPLAYS_PER_HOUR    10            /* default replays_per_hour (per webhook) */
#define WH_REPLAY_STEP         64            /* deliveries a replay requeues per step
                                                (one transaction), at most */
#define WH_REPLAY_STEP_MS      100           /* between a dispatcher's replay steps */
#define WH_REPLAY_IDLE_MS      1000          /* a dispatcher looks for a replay to run */
#define WH_RETENTION_DAYS      30            /* default event_retention_days */
#define WH_PURGE_BATCH         64            /* deliveries purged per transaction */
#define WH_PURGE_ROWS          256           /* events or replays purged per statement */
#define WH_PURGE_PAUSE_MS      20            /* between a dispatcher's purge batches */
#define WH_PURGE_INTERVAL_MS   60000         /* between its passes, once caught up */
#define WH_EVENTS_PAGE_BYTES   (1024 * 1024) /* bodies on one page of GET .../events/
                                                (at least one event) */
#define WH_MANUAL_PENDING      100           /* default manual_pending_max */
#define WH_DISPATCH_PER_WEBHOOK 4            /* default dispatcher_per_webhook */
#define WH_DISPATCH_PER_HOST   16            /* default dispatcher_per_host */
#define WH_DISPATCH_HELD       256           /* claimed deliveries a dispatcher keeps
                                              * waiting for room (half of them at
                                              * most for one webhook) */
#define WH_DISPATCH_RECHECK_MS 1000          /* one held longer is checked (and its
                                              * lease renewed) before it starts */
#define WH_DISPATCH_HOLD_MARGIN_MS 1000      /* a held delivery starts this long
                                              * before its lease could end */
#define WH_DISPATCH_PARKED     1024          /* webhooks a dispatcher remembers as
                                              * waiting for their host */
#define WH_METRICS_CLIENTS     8             /* scrapes served at once */
#define WH_METRICS_TIMEOUT_MS  1000          /* a scrape's time to send its request */
#define WH_METRICS_REQUEST_MAX 4096          /* read of a scrape's request */
#define WH_METRICS_STATS_MS    1000          /* queue figures are this fresh */
#define WH_DB_RETRY_BACKOFF_MS 500           /* between reconnect attempts */
#define WH_DB_CONFLICT_BACKOFF_MS 2         /* first wait before a conflicted
                                              * transaction runs again; doubles
                                              * (db_tx: 2+4+...+128 ms at most) */
#define WH_DB_MAX_HOSTS        16            /* entries of db_host (cluster nodes) */
#define WH_DB_MAX_HOST_LEN     255           /* one entry: a name, address or socket path */
#define WH_DISPATCH_CONFLICT_MS 20           /* dispatcher: at most this (random) after
                                              * a claim lost to another node's */
#define WH_DB_MAX_PARAMS       72            /* placeholders of one statement */
#define WH_DB_MAX_COLS         20            /* columns of one result */
#define WH_DQ_MAX_BATCH        64            /* deliveries claimed per statement */
#define WH_DISPATCH_DB_RETRY_MS 500          /* dispatcher: after a database error */
#define WH_DELIVER_EXCERPT     1024          /* kept of a response body */
#define WH_DELIVER_BODY_LIMIT  (1024 * 1024) /* read of a response before too_large */
#define WH_CONF_MAX_RETRIES    32            /* steps of retry_schedule */
#define WH_CONF_MAX_FILE       (1024 * 1024) /* a configuration file */
#define WH_TOKEN_MAX_DAYS      36500         /* webhookctl token create --expires-* */
#define WH_RESP_MAX_HEADERS    10            /* headers of one response */
#define WH_POOL_MAX_WORKERS    256
#define WH_POOL_FAST_EXIT_MS   1000          /* a worker dying this soon is a crash loop */
#define WH_POOL_MAX_BACKOFF_MS 5000          /* between respawns in a crash loop */
#define WH_POOL_FORK_RETRY_MS  1000          /* after fork failed */
#define WH_DB_IDLE_PING_MS     2000          /* ping before a write after this idle time */
#define WH_UNAVAILABLE_RETRY_S "1"           /* Retry-After of a 503 unavailable */
#define WH_TPL_CACHE_SLOTS     256           /* templates a worker keeps for creates */
#define WH_TPL_CACHE_TTL_MS    60000         /* how long it keeps one */
#define WH_PRIVFILE_MAX_GROUPS 64            /* supplementary groups a secret file's group is looked for in */

_Static_assert(WH_SEALED_MAX <= WH_SEALED_COL,
    "the secret columns hold every secret the validator accepts");

#endif
