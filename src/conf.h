/* SPDX-License-Identifier: MIT */
/* conf.h: the configuration file (key = value) shared by all programs. */
#ifndef WH_CONF_H
#define WH_CONF_H

#include <stddef.h>

#include "log.h"

struct conf {
	char		*listen;		/* unix path or host:port */
	unsigned	 listen_mode;		/* octal permission of a unix socket */
	int		 listen_backlog;
	int		 workers;
	long		 max_requests;		/* 0: never recycle */
	int		 shutdown_timeout;	/* seconds */
	char		*db_socket;
	char		*db_host;
	int		 db_port;
	char		*db_user;
	char		*db_password;
	char		*db_name;
	int		 db_connect_timeout;	/* seconds */
	int		 db_rw_timeout;		/* seconds, read and write */
	char		*key_file;
	int		 page_size;
	int		 max_page_size;
	int		 allow_private_endpoints;
	int		 token_cache_ttl;	/* seconds; 0 disables */
	int		 secret_rotation_grace;	/* seconds an old secret signs */
	enum log_level	 log_level;
};

/*
 * Fills c with the defaults; conf_free releases what a parse stored.
 */
void	conf_defaults(struct conf *c);
void	conf_free(struct conf *c);

/*
 * Parses text (a whole file's contents) into c, which must hold the
 * defaults.  Returns 0, or -1 with a message naming the line and the key
 * in err.  The caller frees c with conf_free either way.
 */
int	conf_parse(struct conf *c, const char *text, char *err, size_t errlen);

/* Reads and parses the file at path; as conf_parse. */
int	conf_load(struct conf *c, const char *path, char *err, size_t errlen);

#endif
