/* SPDX-License-Identifier: MIT */
/* netaddr.h: which addresses a webhook may not target (SSRF). */
#ifndef WH_NETADDR_H
#define WH_NETADDR_H

#include <stdint.h>
#include <sys/socket.h>

/*
 * Each returns 1 when the address is loopback, private, link-local,
 * shared (CGNAT), multicast, reserved or unspecified, else 0.  IPv6
 * forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4)
 * are judged by the embedded address.
 */
int	netaddr_refused_v4(uint32_t addr_host_order);
int	netaddr_refused_v6(const unsigned char addr[16]);
int	netaddr_refused_sockaddr(const struct sockaddr *sa);

/*
 * Judges a URL host as written (without brackets for IPv6; a "%zone"
 * suffix is allowed).  Returns 1 for a refused literal address in any
 * spelling a resolver accepts (127.1, 2130706433, 0x7f000001, 0177.0.0.1,
 * ::ffff:127.0.0.1, fe80::1%eth0) and for localhost and *.localhost;
 * 0 for anything else, which includes names that DNS has to resolve.
 */
int	netaddr_host_refused(const char *host);

#endif
