/* SPDX-License-Identifier: MIT */
/* test_netaddr.c: which IPv4/IPv6 addresses and URL hosts the SSRF guard refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "netaddr.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))

struct addr_row {
	const char	*addr;
	int		 refused;
};

/* Written as dotted quads, judged through netaddr_refused_v4. */
static const struct addr_row v4_rows[] = {
	{ "0.0.0.0", 1 },
	{ "0.255.255.255", 1 },
	{ "10.0.0.1", 1 },
	{ "10.255.255.255", 1 },
	{ "100.64.0.1", 1 },
	{ "100.127.255.255", 1 },
	{ "127.0.0.1", 1 },
	{ "127.255.255.255", 1 },
	{ "169.254.169.254", 1 },
	{ "169.254.0.1", 1 },
	{ "172.16.0.1", 1 },
	{ "172.31.255.255", 1 },
	{ "192.0.0.8", 1 },
	{ "192.0.2.1", 1 },
	{ "192.168.0.1", 1 },
	{ "192.168.255.255", 1 },
	{ "198.18.0.1", 1 },
	{ "198.19.255.255", 1 },
	{ "198.51.100.7", 1 },
	{ "203.0.113.9", 1 },
	{ "224.0.0.1", 1 },
	{ "239.255.255.250", 1 },
	{ "240.0.0.1", 1 },
	{ "255.255.255.255", 1 },

	{ "1.1.1.1", 0 },
	{ "8.8.8.8", 0 },
	{ "9.255.255.255", 0 },
	{ "11.0.0.1", 0 },
	{ "100.63.255.255", 0 },
	{ "100.128.0.1", 0 },
	{ "126.255.255.255", 0 },
	{ "128.0.0.1", 0 },
	{ "169.253.255.255", 0 },
	{ "169.255.0.1", 0 },
	{ "172.15.255.255", 0 },
	{ "172.32.0.1", 0 },
	{ "192.0.1.1", 0 },
	{ "192.0.3.1", 0 },
	{ "192.167.255.255", 0 },
	{ "192.169.0.1", 0 },
	{ "198.17.255.255", 0 },
	{ "198.20.0.1", 0 },
	{ "203.0.114.1", 0 },
	{ "223.255.255.255", 0 },
};

static const struct addr_row v6_rows[] = {
	{ "::", 1 },
	{ "::1", 1 },
	{ "0:0:0:0:0:0:0:1", 1 },
	{ "::ffff:127.0.0.1", 1 },
	{ "::ffff:7f00:1", 1 },
	{ "::ffff:10.1.2.3", 1 },
	{ "::ffff:169.254.169.254", 1 },
	{ "::ffff:0.0.0.0", 1 },
	{ "::127.0.0.1", 1 },		/* IPv4-compatible, deprecated */
	{ "64:ff9b::7f00:1", 1 },	/* NAT64 of 127.0.0.1 */
	{ "64:ff9b::10.0.0.1", 1 },
	{ "64:ff9b::a9fe:a9fe", 1 },
	{ "2002:7f00:1::", 1 },		/* 6to4 of 127.0.0.1 */
	{ "2002:c0a8:101::1", 1 },	/* 6to4 of 192.168.1.1 */
	{ "2002:a00:1::", 1 },		/* 6to4 of 10.0.0.1 */
	{ "fc00::1", 1 },
	{ "fd12:3456::1", 1 },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "fe80::1", 1 },
	{ "febf:ffff::1", 1 },
	{ "fec0::1", 1 },
	{ "ff02::1", 1 },
	{ "ff05::2", 1 },
	{ "ff0e::1", 1 },
	{ "2001:db8::", 1 },
	{ "2001:db8::1", 1 },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "64:ff9b:1::1", 1 },		/* local-use NAT64 (RFC 8215) */
	{ "64:ff9b:1::808:808", 1 },	/* ... whatever it embeds */
	{ "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "2001::1", 1 },		/* Teredo */
	{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", 1 },
	{ "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "::ffff:0:8.8.8.8", 1 },	/* IPv4-translated (RFC 2765) */
	{ "::ffff:0:7f00:1", 1 },
	{ "::ffff:0:0:0", 1 },
	{ "100::", 1 },			/* discard-only (RFC 6666) */
	{ "100::1", 1 },
	{ "100::ffff:ffff:ffff:ffff", 1 },
	{ "2001:2::1", 1 },		/* benchmarking */
	{ "3fff::1", 1 },		/* documentation (RFC 9637) */
	{ "3fff:fff::1", 1 },
	{ "5f00::1", 1 },		/* SRv6 SIDs (RFC 9602) */

	{ "64:ff9b:2::1", 0 },		/* past the local NAT64 /48 */
	{ "64:ff9b:0:1::1", 0 },	/* neither NAT64 prefix */
	{ "2001:1::1", 0 },		/* past Teredo's /32 */
	{ "2001:3::1", 0 },		/* AMT, globally reachable */
	{ "::fffe:0:808:808", 0 },	/* neither mapped nor translated */
	{ "100:0:0:1::1", 0 },		/* past the discard /64 */
	{ "3fff:1000::1", 0 },		/* past the documentation /20 */
	{ "5f01::1", 0 },
	{ "2001:4860:4860::8888", 0 },
	{ "2001:4860::1", 0 },
	{ "2606:4700:4700::1111", 0 },
	{ "::ffff:8.8.8.8", 0 },
	{ "::ffff:172.32.0.1", 0 },
	{ "64:ff9b::808:808", 0 },	/* NAT64 of 8.8.8.8 */
	{ "2002:808:808::1", 0 },	/* 6to4 of 8.8.8.8 */
	{ "2001:db9::1", 0 },
	{ "2001:db7::1", 0 },
	{ "fb00::1", 0 },
	{ "fe00::1", 0 },
	{ "2a00:1450:4001::200e", 0 },
};

static void
test_v4_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(v4_rows); i++) {
		struct in_addr a;
		int got;

		assert_int_equal(inet_pton(AF_INET, v4_rows[i].addr, &a), 1);
		got = netaddr_refused_v4(ntohl(a.s_addr));
		if (got != v4_rows[i].refused) {
			print_message("netaddr_refused_v4 row %zu: %s: expected "
			    "%d, got %d\n", i, v4_rows[i].addr,
			    v4_rows[i].refused, got);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_v6_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(v6_rows); i++) {
		unsigned char a[16];
		int got;

		assert_int_equal(inet_pton(AF_INET6, v6_rows[i].addr, a), 1);
		got = netaddr_refused_v6(a);
		if (got != v6_rows[i].refused) {
			print_message("netaddr_refused_v6 row %zu: %s: expected "
			    "%d, got %d\n", i, v6_rows[i].addr,
			    v6_rows[i].refused, got);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The same rows through sockaddr_in and sockaddr_in6. */
static void
test_sockaddr_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(v4_rows); i++) {
		struct sockaddr_in sin;
		int got;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(443);
		assert_int_equal(inet_pton(AF_INET, v4_rows[i].addr,
		    &sin.sin_addr), 1);
		got = netaddr_refused_sockaddr((struct sockaddr *)&sin);
		if (got != v4_rows[i].refused) {
			print_message("netaddr_refused_sockaddr v4 row %zu: %s: "
			    "expected %d, got %d\n", i, v4_rows[i].addr,
			    v4_rows[i].refused, got);
			bad++;
		}
	}
	for (size_t i = 0; i < NROWS(v6_rows); i++) {
		struct sockaddr_in6 sin6;
		int got;

		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(443);
		assert_int_equal(inet_pton(AF_INET6, v6_rows[i].addr,
		    &sin6.sin6_addr), 1);
		got = netaddr_refused_sockaddr((struct sockaddr *)&sin6);
		if (got != v6_rows[i].refused) {
			print_message("netaddr_refused_sockaddr v6 row %zu: %s: "
			    "expected %d, got %d\n", i, v6_rows[i].addr,
			    v6_rows[i].refused, got);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_sockaddr_other_families(void **state)
{
	struct sockaddr_un	sun;
	struct sockaddr		sa;

	(void)state;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/run/webhookd.sock");
	assert_int_equal(netaddr_refused_sockaddr((struct sockaddr *)&sun), 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNSPEC;
	assert_int_equal(netaddr_refused_sockaddr(&sa), 1);
}

/* Hosts as written in a URL, without brackets. */
static const struct addr_row host_rows[] = {
	/* IPv4 in every spelling inet_aton takes. */
	{ "127.0.0.1", 1 },
	{ "127.0.0.1.", 1 },
	{ "127.1", 1 },
	{ "127.0.1", 1 },
	{ "2130706433", 1 },
	{ "0x7f000001", 1 },
	{ "0X7F000001", 1 },
	{ "0x7f.1", 1 },
	{ "0x7f.0x0.0x0.0x1", 1 },
	{ "0177.0.0.1", 1 },
	{ "0177.1", 1 },
	{ "017700000001", 1 },
	{ "127.000.000.001", 1 },
	{ "10.0.0.1", 1 },
	{ "10.1", 1 },
	{ "167772161", 1 },		/* 10.0.0.1 */
	{ "172.16.0.1", 1 },
	{ "172.31.255.255", 1 },
	{ "192.168.0.1", 1 },
	{ "169.254.169.254", 1 },
	{ "2852039166", 1 },		/* 169.254.169.254 */
	{ "100.64.0.1", 1 },
	{ "0.0.0.0", 1 },
	{ "0", 1 },
	{ "224.0.0.1", 1 },
	{ "255.255.255.255", 1 },
	{ "4294967295", 1 },
	/* IPv6. */
	{ "::1", 1 },
	{ "::", 1 },
	{ "0:0:0:0:0:0:0:1", 1 },
	{ "::ffff:127.0.0.1", 1 },
	{ "::ffff:7f00:1", 1 },
	{ "::FFFF:7F00:1", 1 },
	{ "64:ff9b::7f00:1", 1 },
	{ "2002:7f00:1::", 1 },
	{ "2001:db8::1", 1 },
	{ "64:ff9b:1::808:808", 1 },
	{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", 1 },
	{ "::ffff:0:8.8.8.8", 1 },
	{ "100::1", 1 },
	{ "fe80::1", 1 },
	{ "fe80::1%eth0", 1 },
	{ "fe80::1%25eth0", 1 },
	{ "fc00::1", 1 },
	{ "fd12::1", 1 },
	{ "ff02::1", 1 },
	/* A zone id only exists on a literal IPv6 address, never global. */
	{ "2001:4860::1%eth0", 1 },
	/* localhost and *.localhost. */
	{ "localhost", 1 },
	{ "LOCALHOST", 1 },
	{ "LocalHost", 1 },
	{ "localhost.", 1 },
	{ "foo.localhost", 1 },
	{ "a.b.localhost", 1 },
	{ "foo.localhost.", 1 },
	{ "FOO.LOCALHOST", 1 },

	{ "8.8.8.8", 0 },
	{ "8.8.8.8.", 0 },
	{ "134744072", 0 },		/* 8.8.8.8 */
	{ "11.0.0.1", 0 },
	{ "172.32.0.1", 0 },
	{ "2001:4860:4860::8888", 0 },
	{ "2001:4860::1", 0 },
	{ "::ffff:8.8.8.8", 0 },
	{ "example.com", 0 },
	{ "example.com.", 0 },
	{ "mylocalhost.com", 0 },
	{ "localhost.example.com", 0 },
	{ "mylocalhost", 0 },
	{ "localhostx", 0 },
	{ "xn--bcher-kva.example", 0 },
	{ "127.0.0.1.example.com", 0 },
	{ "1.2.3.4.5", 0 },
	{ "256.0.0.1", 0 },
	{ "", 0 },
};

static void
test_host_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(host_rows); i++) {
		int got = netaddr_host_refused(host_rows[i].addr);

		if (got != host_rows[i].refused) {
			print_message("netaddr_host_refused row %zu: \"%s\": "
			    "expected %d, got %d\n", i, host_rows[i].addr,
			    host_rows[i].refused, got);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* A name longer than any resolver takes is not an address: no crash, and
 * not refused here (the dispatcher judges what it resolves to). */
static void
test_host_long(void **state)
{
	char	name[1024];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(netaddr_host_refused(name), 0);
	memset(name, '1', sizeof(name) - 1);
	assert_int_equal(netaddr_host_refused(name), 0);
}

/*
 * *.localhost is refused whatever its length (netaddr.h: "1 ... for
 * localhost and *.localhost"; API.md: "and so are localhost and
 * *.localhost").  A host of 256 bytes or more skips the localhost check.
 */
static void
test_host_long_localhost(void **state)
{
	char	name[300];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memcpy(name + sizeof(name) - 11, ".localhost", 10);
	assert_int_equal(strlen(name), 299);
	assert_int_equal(netaddr_host_refused(name), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_rows),
		cmocka_unit_test(test_v6_rows),
		cmocka_unit_test(test_sockaddr_rows),
		cmocka_unit_test(test_sockaddr_other_families),
		cmocka_unit_test(test_host_rows),
		cmocka_unit_test(test_host_long),
		cmocka_unit_test(test_host_long_localhost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
