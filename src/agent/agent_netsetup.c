/* agent_netsetup.c - the task metadata endpoint's address as a local
 * address of the loopback interface (rtnetlink RTM_NEWADDR/RTM_DELADDR),
 * as the ECS agent makes 169.254.170.2 answer on its host: a container's
 * packets to it leave through its default route (the bridge's gateway,
 * the host itself) and are delivered locally; host-mode containers share
 * the host's addresses. No iptables rule is needed. Only in the network
 * namespace the agent runs in. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/agent_metadata.h"
#include "common/log.h"

/* One RTM_NEWADDR or RTM_DELADDR of ip/32 on lo; 0 or -errno. */
static int addr_request(int type, const char *ip)
{
    struct in_addr a;
    if (inet_pton(AF_INET, ip, &a) != 1)
        return -EINVAL;
    unsigned lo = if_nametoindex("lo");
    if (lo == 0)
        return -ENODEV;
    struct {
        struct nlmsghdr nh;
        struct ifaddrmsg ifa;
        char attrs[64];
    } req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_type = (unsigned short)type;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
    req.nh.nlmsg_seq = 1;
    req.ifa.ifa_family = AF_INET;
    req.ifa.ifa_prefixlen = 32;
    req.ifa.ifa_scope = RT_SCOPE_LINK; /* a link-local address: never a source for other traffic */
    req.ifa.ifa_index = lo;
    size_t len = NLMSG_LENGTH(sizeof req.ifa);
    static const unsigned short kinds[] = {IFA_LOCAL, IFA_ADDRESS};
    for (size_t i = 0; i < 2; i++) {
        struct rtattr *rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(len));
        rta->rta_type = kinds[i];
        rta->rta_len = (unsigned short)RTA_LENGTH(sizeof a);
        memcpy(RTA_DATA(rta), &a, sizeof a);
        len = NLMSG_ALIGN(len) + RTA_ALIGN(rta->rta_len);
    }
    req.nh.nlmsg_len = (unsigned)len;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -errno;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    int rc = 0;
    if (sendto(fd, &req, len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        rc = -errno;
    } else {
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        if (n < 0)
            rc = -errno;
        else if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) && h->nlmsg_type == NLMSG_ERROR)
            rc = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
        else
            rc = -EPROTO;
    }
    close(fd);
    return rc;
}

int agent_net_add_local(const char *ip, bool *added, ecs_error_t *err)
{
    *added = false;
    int rc = addr_request(RTM_NEWADDR, ip);
    if (rc == -EEXIST)
        return 0;
    if (rc < 0)
        return ecs_server_err(err, "cannot add %s to the loopback interface: %s (run the agent as root, or give "
                                   "--task-endpoint-setup none and an address that exists)", ip, strerror(-rc));
    *added = true;
    log_info("task metadata endpoint: added %s/32 to the loopback interface", ip);
    return 0;
}

void agent_net_del_local(const char *ip)
{
    int rc = addr_request(RTM_DELADDR, ip);
    if (rc < 0)
        log_warn("task metadata endpoint: cannot remove %s from the loopback interface: %s", ip, strerror(-rc));
    else
        log_info("task metadata endpoint: removed %s from the loopback interface", ip);
}
