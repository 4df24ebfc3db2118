/*
 * The C reference program of `npm run bench -- --vs-go`: the bench's workloads with blocking
 * sockets and plain read/write/send/recv, a thread where a second party is needed, measured
 * the way the bench's Node children measure them.
 *
 *   ref-c ROLE --key value ...
 *
 * It speaks the bench's child protocol: JSON lines on stdout, and end of stdin means finish.
 * The roles and their flags are those of bench/bulk.ts (sink, bulk), bench/pingpong.ts
 * (pingpong), bench/connect.ts (connect) and bench/recv.ts (recv-receiver, recv-sender).
 *
 *   cc -std=c11 -O2 -Wall -Wextra -pthread -o ref-c ref.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The size of every bulk write and of every read buffer. */
enum { chunk_size = 64 * 1024 };

/* The size of a flood's datagrams. */
enum { message_size = 64 };

/* The role's flags: the fields of the Node role's arguments. */
struct args {
	const char *network, *dir, *address, *path, *read_with;
	long warmup_ms, ms;
};

/* die reports what failed, with errno's text, and exits with status 1. */
static void die(const char *what)
{
	fprintf(stderr, "ref-c: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* fail reports a message and exits with status 1. */
static void fail(const char *msg)
{
	fprintf(stderr, "ref-c: %s\n", msg);
	exit(1);
}

/* emit_rate sends {"rate": rate} to the runner. */
static void emit_rate(double rate)
{
	printf("{\"rate\":%.17g}\n", rate);
	fflush(stdout);
}

/* emit_address sends {"address": s} to the runner, s escaped as a JSON string. */
static void emit_address(const char *s)
{
	fputs("{\"address\":\"", stdout);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	fputs("\"}\n", stdout);
	fflush(stdout);
}

/* wait_stdin_end returns when the runner closes our stdin. */
static void wait_stdin_end(void)
{
	char buf[256];
	while (read(STDIN_FILENO, buf, sizeof buf) > 0)
		;
}

/* exit_on_stdin_end is a thread that ends the process once stdin closes. */
static void *exit_on_stdin_end(void *unused)
{
	(void)unused;
	wait_stdin_end();
	fflush(stdout);
	_exit(0);
}

/* now_s reads the monotonic clock, in seconds. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A meter counts work over a timed window, as harness.ts's Meter does: ticks during the
 * warm-up are not counted, the first tick after it starts the window, and the first tick at
 * or after the window's end is counted and closes it.
 */
struct meter {
	double warm_end, t0, end, window, n, rate;
	bool started;
};

static struct meter meter_new(const struct args *a)
{
	return (struct meter){ .warm_end = now_s() + (double)a->warmup_ms / 1e3, .window = (double)a->ms / 1e3 };
}

/* meter_tick records amount of work; it returns false once the window is over. */
static bool meter_tick(struct meter *m, double amount)
{
	double t = now_s();
	if (t < m->warm_end)
		return true;
	if (!m->started) {
		m->started = true;
		m->t0 = t;
		m->end = t + m->window;
		return true;
	}
	m->n += amount;
	if (t < m->end)
		return true;
	m->rate = m->n / (t - m->t0);
	return false;
}

/* An address to listen on or dial, in the kernel's form. */
struct endpoint {
	int family, type;
	struct sockaddr_storage sa;
	socklen_t len;
};

/* endpoint_of parses "127.0.0.1:PORT" (tcp, udp) or a path (unix, unixgram, unixpacket). */
static struct endpoint endpoint_of(const char *network, const char *address)
{
	struct endpoint e = { 0 };
	bool inet = strcmp(network, "tcp") == 0 || strcmp(network, "udp") == 0;
	if (strcmp(network, "tcp") == 0 || strcmp(network, "unix") == 0)
		e.type = SOCK_STREAM;
	else if (strcmp(network, "udp") == 0 || strcmp(network, "unixgram") == 0)
		e.type = SOCK_DGRAM;
	else if (strcmp(network, "unixpacket") == 0)
		e.type = SOCK_SEQPACKET;
	else
		fail("unknown network");
	if (inet) {
		struct sockaddr_in *in = (struct sockaddr_in *)&e.sa;
		const char *colon = strrchr(address, ':');
		char host[64];
		if (colon == NULL || (size_t)(colon - address) >= sizeof host)
			fail("bad host:port address");
		memcpy(host, address, (size_t)(colon - address));
		host[colon - address] = '\0';
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			fail("bad IPv4 address");
		e.family = AF_INET;
		e.len = sizeof *in;
	} else {
		struct sockaddr_un *un = (struct sockaddr_un *)&e.sa;
		if (strlen(address) >= sizeof un->sun_path)
			fail("socket path too long");
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, address);
		e.family = AF_UNIX;
		e.len = sizeof *un;
	}
	return e;
}

/* bound makes a socket bound to e, listening if it is connection-oriented. */
static int bound(const struct endpoint *e)
{
	int fd = socket(e->family, e->type, 0);
	if (fd < 0)
		die("socket");
	if (bind(fd, (const struct sockaddr *)&e->sa, e->len) < 0)
		die("bind");
	if (e->type != SOCK_DGRAM && listen(fd, 128) < 0)
		die("listen");
	return fd;
}

/* dialed makes a socket connected to e. */
static int dialed(const struct endpoint *e)
{
	int fd = socket(e->family, e->type, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)&e->sa, e->len) < 0)
		die("connect");
	return fd;
}

/* no_delay turns Nagle off on a TCP socket, as Go and sockit do by default. */
static void no_delay(int fd)
{
	int on = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0)
		die("setsockopt TCP_NODELAY");
}

/* address_of formats a bound socket's address as the runner dials it. */
static void address_of(int fd, const struct endpoint *e, char *out, size_t size)
{
	if (e->family == AF_UNIX) {
		snprintf(out, size, "%s", ((const struct sockaddr_un *)&e->sa)->sun_path);
		return;
	}
	struct sockaddr_in in;
	socklen_t len = sizeof in;
	if (getsockname(fd, (struct sockaddr *)&in, &len) < 0)
		die("getsockname");
	snprintf(out, size, "127.0.0.1:%u", ntohs(in.sin_port));
}

static int serial;

/* listen_address gives a fresh address to listen on: a kernel-chosen port or a file in dir. */
static void listen_address(const struct args *a, char *out, size_t size)
{
	if (strcmp(a->network, "tcp") == 0)
		snprintf(out, size, "127.0.0.1:0");
	else
		snprintf(out, size, "%s/c-%d-%d.sock", a->dir, (int)getpid(), ++serial);
}

/* write_all writes all of buf, returning false on an error. */
static bool write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/* spawn starts a detached thread. */
static void spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, arg) != 0)
		fail("pthread_create failed");
	pthread_detach(t);
}

/* discard is a thread that reads a conn to its end, 64 KiB at a time, and closes it. */
static void *discard(void *fdp)
{
	int fd = (int)(intptr_t)fdp;
	char *buf = malloc(chunk_size);
	while (buf != NULL && read(fd, buf, chunk_size) > 0)
		;
	free(buf);
	close(fd);
	return NULL;
}

/* accept_loop is a thread that accepts conns and gives each a discarding thread. */
static void *accept_loop(void *lnp)
{
	int ln = (int)(intptr_t)lnp;
	for (;;) {
		int fd = accept(ln, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		spawn(discard, (void *)(intptr_t)fd);
	}
	return NULL;
}

/* sink answers {address}, then serves every conn with a discarding thread until stdin closes. */
static void sink(const struct args *a)
{
	char where[sizeof ((struct sockaddr_un *)0)->sun_path + 32], address[sizeof where];
	listen_address(a, where, sizeof where);
	struct endpoint e = endpoint_of(a->network, where);
	int ln = bound(&e);
	address_of(ln, &e, address, sizeof address);
	emit_address(address);
	spawn(accept_loop, (void *)(intptr_t)ln);
	wait_stdin_end();
	if (e.family == AF_UNIX)
		unlink(address);
}

/*
 * bulk writes 64 KiB buffers to the sink and answers {rate} in MB/s. Nagle is off, as on the
 * Go and sockit clients: with it on, each write's tail past the last full segment waits.
 */
static void bulk(const struct args *a)
{
	struct endpoint e = endpoint_of(a->network, a->address);
	int fd = dialed(&e);
	if (e.family == AF_INET)
		no_delay(fd);
	static char chunk[chunk_size];
	struct meter m = meter_new(a);
	do {
		if (!write_all(fd, chunk, sizeof chunk))
			die("write");
	} while (meter_tick(&m, sizeof chunk));
	emit_rate(m.rate / 1e6);
	close(fd);
}

/* echo is a thread that writes back what it reads until end of stream. */
static void *echo(void *fdp)
{
	int fd = (int)(intptr_t)fdp;
	static char buf[chunk_size];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (!write_all(fd, buf, (size_t)n))
			break;
	return NULL;
}

/* pingpong measures round trips/s of 1 byte between a client and an echo thread. */
static void pingpong(const struct args *a)
{
	char where[sizeof ((struct sockaddr_un *)0)->sun_path + 32], address[sizeof where];
	listen_address(a, where, sizeof where);
	struct endpoint le = endpoint_of(a->network, where);
	int ln = bound(&le);
	address_of(ln, &le, address, sizeof address);
	struct endpoint de = endpoint_of(a->network, address);
	int c = dialed(&de);
	int s = accept(ln, NULL, NULL);
	if (s < 0)
		die("accept");
	if (le.family == AF_INET) {
		no_delay(c);
		no_delay(s);
	}
	pthread_t echoer;
	if (pthread_create(&echoer, NULL, echo, (void *)(intptr_t)s) != 0)
		fail("pthread_create failed");
	char one = 0;
	static char buf[chunk_size];
	struct meter m = meter_new(a);
	do {
		if (write(c, &one, 1) != 1)
			die("write");
		ssize_t n = read(c, buf, sizeof buf);
		if (n < 0)
			die("read");
		if (n != 1)
			fail("ping-pong: the echo was not one byte");
	} while (meter_tick(&m, 1));
	close(c);
	pthread_join(echoer, NULL);
	close(s);
	close(ln);
	if (le.family == AF_UNIX)
		unlink(address);
	emit_rate(m.rate);
}

/* connect_accept_close measures dial + accept + close of both ends per second, one at a time. */
static void connect_accept_close(const struct args *a)
{
	struct endpoint le = endpoint_of("tcp", "127.0.0.1:0");
	int ln = bound(&le);
	char address[64];
	address_of(ln, &le, address, sizeof address);
	struct endpoint de = endpoint_of("tcp", address);
	struct meter m = meter_new(a);
	do {
		int c = dialed(&de);
		int s = accept(ln, NULL, NULL);
		if (s < 0)
			die("accept");
		close(c);
		close(s);
	} while (meter_tick(&m, 1));
	close(ln);
	emit_rate(m.rate);
}

/*
 * receiver binds (udp, unixgram) or accepts (unixpacket), answers {address}, counts the
 * datagrams read returns over the window, answers {rate} and waits for stdin to close.
 */
static void receiver(const struct args *a)
{
	if (strcmp(a->read_with, "read") != 0)
		fail("receiver: only read is implemented");
	bool udp = strcmp(a->network, "udp") == 0;
	struct endpoint e = endpoint_of(a->network, udp ? "127.0.0.1:0" : a->path);
	int fd = bound(&e);
	char address[sizeof ((struct sockaddr_un *)0)->sun_path + 32];
	address_of(fd, &e, address, sizeof address);
	emit_address(address);
	if (e.type == SOCK_SEQPACKET) {
		int ln = fd;
		if ((fd = accept(ln, NULL, NULL)) < 0)
			die("accept");
		close(ln);
	}
	static char buf[chunk_size];
	/* The window is timed from the first message, once the sender is under way. */
	if (read(fd, buf, sizeof buf) < 0)
		die("read");
	struct meter m = meter_new(a);
	do {
		if (read(fd, buf, sizeof buf) < 0)
			die("read");
	} while (meter_tick(&m, 1));
	emit_rate(m.rate);
	wait_stdin_end();
	close(fd);
}

/* sender writes 64-byte datagrams to the receiver until stdin closes (or the receiver goes). */
static void sender(const struct args *a)
{
	struct endpoint e = endpoint_of(a->network, a->address);
	int fd = dialed(&e);
	spawn(exit_on_stdin_end, NULL);
	char msg[message_size] = { 0 };
	for (;;) {
		if (send(fd, msg, sizeof msg, 0) < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			/* The receiver closed first: the trial is over. */
			if (errno == ECONNREFUSED || errno == EPIPE)
				return;
			die("send");
		}
	}
}

/* parse_args reads `--key value` pairs into a. */
static void parse_args(int argc, char **argv, struct args *a)
{
	*a = (struct args){ .network = "tcp", .dir = "/tmp", .address = "", .path = "", .read_with = "read", .warmup_ms = 250, .ms = 1000 };
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (strncmp(k, "--", 2) != 0)
			fail("flags are --key value");
		k += 2;
		if (strcmp(k, "impl") == 0)
			; /* the implementation's name: ignored */
		else if (strcmp(k, "network") == 0)
			a->network = v;
		else if (strcmp(k, "dir") == 0)
			a->dir = v;
		else if (strcmp(k, "address") == 0)
			a->address = v;
		else if (strcmp(k, "path") == 0)
			a->path = v;
		else if (strcmp(k, "readWith") == 0)
			a->read_with = v;
		else if (strcmp(k, "warmupMs") == 0)
			a->warmup_ms = atol(v);
		else if (strcmp(k, "ms") == 0)
			a->ms = atol(v);
		else
			fail("unknown flag");
	}
	if (argc % 2 != 0)
		fail("a flag has no value");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		fail("usage: ref-c ROLE [--key value]...");
	/* A peer that went away makes write fail with EPIPE rather than kill us. */
	signal(SIGPIPE, SIG_IGN);
	struct args a;
	parse_args(argc, argv, &a);
	const char *role = argv[1];
	if (strcmp(role, "sink") == 0)
		sink(&a);
	else if (strcmp(role, "bulk") == 0)
		bulk(&a);
	else if (strcmp(role, "pingpong") == 0)
		pingpong(&a);
	else if (strcmp(role, "connect") == 0)
		connect_accept_close(&a);
	else if (strcmp(role, "recv-receiver") == 0)
		receiver(&a);
	else if (strcmp(role, "recv-sender") == 0)
		sender(&a);
	else
		fail("unknown role");
	return 0;
}
