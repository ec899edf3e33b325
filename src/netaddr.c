/* SPDX-License-Identifier: MIT */
/* netaddr.c: classify IPv4/IPv6 addresses and URL hosts for the SSRF guard. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

struct v4net {
	uint32_t	net;
	int		bits;
};

/* Not globally reachable: RFC 6890 special-purpose blocks we refuse. */
static const struct v4net v4_refused[] = {
	{ 0x00000000, 8 },	/* 0.0.0.0/8 "this network", unspecified */
	{ 0x0a000000, 8 },	/* 10/8 private */
	{ 0x64400000, 10 },	/* 100.64/10 shared address space */
	{ 0x7f000000, 8 },	/* 127/8 loopback */
	{ 0xa9fe0000, 16 },	/* 169.254/16 link-local, cloud metadata */
	{ 0xac100000, 12 },	/* 172.16/12 private */
	{ 0xc0000000, 24 },	/* 192.0.0/24 IETF protocol assignments */
	{ 0xc0000200, 24 },	/* 192.0.2/24 documentation */
	{ 0xc0a80000, 16 },	/* 192.168/16 private */
	{ 0xc6120000, 15 },	/* 198.18/15 benchmarking */
	{ 0xc6336400, 24 },	/* 198.51.100/24 documentation */
	{ 0xcb007100, 24 },	/* 203.0.113/24 documentation */
	{ 0xe0000000, 4 },	/* 224/4 multicast */
	{ 0xf0000000, 4 },	/* 240/4 reserved, broadcast */
};

int
netaddr_refused_v4(uint32_t a)
{
	for (size_t i = 0; i < sizeof(v4_refused) / sizeof(v4_refused[0]); i++) {
		uint32_t mask = 0xffffffffu << (32 - v4_refused[i].bits);
		if ((a & mask) == v4_refused[i].net)
			return 1;
	}
	return 0;
}

static uint32_t
v4_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
prefix_is(const unsigned char a[16], const unsigned char *pfx, size_t n)
{
	return memcmp(a, pfx, n) == 0;
}

struct v6net {
	unsigned char	net[16];
	int		bits;
};

/* Refused outright: not globally reachable (IANA's IPv6 special-purpose
 * registry), or a tunnel or translation whose real target is hidden. */
static const struct v6net v6_refused[] = {
	{ { 0 }, 96 },				/* ::/96: ::, ::1, ::a.b.c.d */
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 96 },	/* ::ffff:0:0:0/96
						 * IPv4-translated */
	{ { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48 },	/* 64:ff9b:1::/48 local NAT64 */
	{ { 0x01, 0x00 }, 64 },			/* 100::/64 discard-only */
	{ { 0x20, 0x01 }, 32 },			/* 2001::/32 Teredo */
	{ { 0x20, 0x01, 0x00, 0x02 }, 48 },	/* 2001:2::/48 benchmarking */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32 },	/* 2001:db8::/32 documentation */
	{ { 0x3f, 0xff }, 20 },			/* 3fff::/20 documentation */
	{ { 0x5f, 0x00 }, 16 },			/* 5f00::/16 SRv6 SIDs */
	{ { 0xfc }, 7 },			/* fc00::/7 unique local */
	{ { 0xfe, 0x80 }, 10 },			/* fe80::/10 link-local */
	{ { 0xfe, 0xc0 }, 10 },			/* fec0::/10 site-local */
	{ { 0xff }, 8 },			/* ff00::/8 multicast */
};

static int
in_v6net(const unsigned char a[16], const struct v6net *n)
{
	int	full = n->bits / 8, rest = n->bits % 8;

	if (memcmp(a, n->net, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ n->net[full]) &
	    (unsigned char)(0xff << (8 - rest))) == 0;
}

int
netaddr_refused_v6(const unsigned char a[16])
{
	static const unsigned char mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

	for (size_t i = 0; i < sizeof(v6_refused) / sizeof(v6_refused[0]); i++)
		if (in_v6net(a, &v6_refused[i]))
			return 1;
	/* An IPv4 address in IPv6 clothes is judged as that IPv4 address. */
	if (prefix_is(a, mapped, 12) || prefix_is(a, nat64, 12))
		return netaddr_refused_v4(v4_at(a + 12));
	if (a[0] == 0x20 && a[1] == 0x02)	/* 2002::/16 6to4 */
		return netaddr_refused_v4(v4_at(a + 2));
	return 0;
}

int
netaddr_refused_sockaddr(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		return netaddr_refused_v4(ntohl(s->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		return netaddr_refused_v6(s->sin6_addr.s6_addr);
	}
	return 1;	/* anything but IP is never a webhook target */
}

static int
is_localhost(const char *h, size_t n)
{
	static const char lh[] = "localhost";
	const size_t lhn = sizeof(lh) - 1;

	if (n > 0 && h[n - 1] == '.')
		n--;
	if (n == lhn && strncasecmp(h, lh, lhn) == 0)
		return 1;
	return n > lhn && h[n - lhn - 1] == '.' &&
	    strncasecmp(h + n - lhn, lh, lhn) == 0;
}

int
netaddr_host_refused(const char *host)
{
	char		 tmp[256];
	unsigned char	 a6[16];
	struct in_addr	 a4;
	size_t		 n = strlen(host);
	const char	*pct;

	if (is_localhost(host, n))
		return 1;
	if (n == 0 || n >= sizeof(tmp))
		return n != 0 && strchr(host, ':') != NULL;
	memcpy(tmp, host, n + 1);
	if ((pct = strchr(tmp, '%')) != NULL) {
		/* A zone id only makes sense on link-local addresses. */
		tmp[pct - tmp] = '\0';
		return inet_pton(AF_INET6, tmp, a6) == 1;
	}
	if (inet_pton(AF_INET6, tmp, a6) == 1)
		return netaddr_refused_v6(a6);
	if (n > 0 && tmp[n - 1] == '.')
		tmp[n - 1] = '\0';
	/* inet_aton takes every legacy spelling: 127.1, 0x7f.1, 2130706433. */
	if (inet_aton(tmp, &a4) == 1)
		return netaddr_refused_v4(ntohl(a4.s_addr));
	return 0;
}
