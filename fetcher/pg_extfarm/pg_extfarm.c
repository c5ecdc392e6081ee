/*
 * pg_extfarm: fetch extensions just in time from the extfarm fetcher.
 *
 * Loaded through shared_preload_libraries.  On CREATE EXTENSION and LOAD of something that has
 * no installed marker, on ALTER EXTENSION ... UPDATE (the update scripts may come only with
 * another version of the bundle), and on the first call of a C function whose library file is
 * missing, it asks the local fetcher (docs/fetcher.md, "Local endpoint") and waits, with
 * CHECK_FOR_INTERRUPTS(), then lets PostgreSQL go on.  404 not-in-spec passes through unchanged;
 * every other failure is an ERROR naming the extension and the cause.
 *
 * A new connection is held after authentication while a library of its session_preload_libraries
 * or local_preload_libraries (server settings, or the connection's own options) is missing, and
 * ALTER ROLE / ALTER DATABASE ... SET of those settings fetches the libraries they name at once,
 * so that the connections they apply to find them on disk.
 *
 * A short-lived background worker tells the fetcher once PostgreSQL accepts connections
 * (POST /postgres/started), so that the fetcher's background downloads do not compete with
 * PostgreSQL's own start.
 */
#include "postgres.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "port.h"
#include "postmaster/bgworker.h"
#include "postmaster/postmaster.h"
#include "storage/ipc.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

PG_MODULE_MAGIC;

/*
 * libpq/libpq-be.h (the Port of a connection: its database, user and start-up options) includes
 * the GSSAPI headers on builds with GSSAPI, which a server-dev package does not pull in
 * (libkrb5-dev).  Without ENABLE_GSS the header declares the GSSAPI member as a plain pointer
 * "to keep struct offsets the same (for extension ABI compatibility)", and every member this
 * module reads comes before it anyway.
 */
#undef ENABLE_GSS
#include "libpq/auth.h"
#include "libpq/libpq-be.h"

void _PG_init(void);
PGDLLEXPORT void extfarm_started_main(Datum arg);

static char *fetcher_url = NULL;
static int fetch_timeout = 300;
static char *marker_dir_guc = NULL;

static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static ClientAuthentication_hook_type prev_ClientAuthentication = NULL;

/* the socket of the request in progress; closed by the next request if an error left it open */
static int fetch_fd = -1;

/* modules already checked in this backend (present on disk, installed, or not ours) */
static List *checked_modules = NIL;

typedef enum
{
	FETCH_OK,			/* 200: installed, pending-restart or system */
	FETCH_NOT_OURS		/* 404 not-in-spec: pass through */
} FetchResult;

static const char *
marker_dir(void)
{
	static char dir[MAXPGPATH];

	if (marker_dir_guc != NULL && marker_dir_guc[0] != '\0')
		return marker_dir_guc;
	if (dir[0] == '\0')
	{
		char		share[MAXPGPATH];

		get_share_path(my_exec_path, share);
		snprintf(dir, sizeof(dir), "%s/extension/.extfarm", share);
	}
	return dir;
}

static bool
marker_exists(const char *kind, const char *name)
{
	char		path[MAXPGPATH];
	struct stat st;

	if (strcmp(kind, "libraries") == 0)
		snprintf(path, sizeof(path), "%s/libraries/%s.installed", marker_dir(), name);
	else
		snprintf(path, sizeof(path), "%s/%s.installed", marker_dir(), name);
	return stat(path, &st) == 0;
}

/* "$libdir/plugins/foo.so" -> "foo" (palloc'd) */
static char *
module_name(const char *file)
{
	const char *base = strrchr(file, '/');
	char	   *m;
	size_t		n;

	base = base ? base + 1 : file;
	m = pstrdup(base);
	n = strlen(m);
	if (n > 3 && strcmp(m + n - 3, ".so") == 0)
		m[n - 3] = '\0';
	return m;
}

static void
close_fetch_fd(void)
{
	if (fetch_fd >= 0)
	{
		close(fetch_fd);
		fetch_fd = -1;
	}
}

/* milliseconds left until deadline (>= 0) */
static long
ms_left(TimestampTz deadline)
{
	TimestampTz now = GetCurrentTimestamp();

	if (now >= deadline)
		return 0;
	return (long) ((deadline - now) / 1000);
}

/* waits for events on fetch_fd in 100 ms slices, serving interrupts; false on deadline */
static bool
wait_fd(short events, TimestampTz deadline)
{
	for (;;)
	{
		struct pollfd p;
		long		left;
		int			rc;

		CHECK_FOR_INTERRUPTS();
		left = ms_left(deadline);
		if (left <= 0)
			return false;
		p.fd = fetch_fd;
		p.events = events;
		p.revents = 0;
		rc = poll(&p, 1, left < 100 ? (int) left : 100);
		if (rc > 0)
			return true;
		if (rc < 0 && errno != EINTR)
			return true;		/* let the following call report the error */
	}
}

/* connects fetch_fd to extfarm.fetcher_url; on failure returns a message (palloc'd) */
static char *
connect_fetcher(TimestampTz deadline)
{
	const char *url = fetcher_url;
	int			err = 0;
	socklen_t	errlen = sizeof(err);

	if (strncmp(url, "unix:", 5) == 0)
	{
		struct sockaddr_un sa;
		const char *path = url + 5;

		if (strlen(path) >= sizeof(sa.sun_path))
			return psprintf("socket path \"%s\" is too long", path);
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		strcpy(sa.sun_path, path);
		fetch_fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fetch_fd < 0)
			return psprintf("socket(): %m");
		if (fcntl(fetch_fd, F_SETFL, O_NONBLOCK) < 0)
			return psprintf("fcntl(): %m");
		if (connect(fetch_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 && errno != EINPROGRESS && errno != EAGAIN)
			return psprintf("could not connect to %s: %m", url);
	}
	else
	{
		char		host[256];
		char		port[16];
		const char *p = url;
		const char *colon;
		const char *end;
		struct addrinfo hints;
		struct addrinfo *ai = NULL;
		int			rc;

		if (strncmp(p, "http://", 7) == 0)
			p += 7;
		end = p + strcspn(p, "/");
		colon = memchr(p, ':', end - p);
		if (colon == NULL || colon - p >= (long) sizeof(host) || end - colon - 1 >= (long) sizeof(port) || end - colon - 1 <= 0)
			return psprintf("extfarm.fetcher_url \"%s\" is not http://HOST:PORT or unix:PATH", url);
		memcpy(host, p, colon - p);
		host[colon - p] = '\0';
		memcpy(port, colon + 1, end - colon - 1);
		port[end - colon - 1] = '\0';
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(host, port, &hints, &ai);
		if (rc != 0 || ai == NULL)
			return psprintf("could not resolve \"%s\": %s", host, gai_strerror(rc));
		fetch_fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fetch_fd < 0)
		{
			freeaddrinfo(ai);
			return psprintf("socket(): %m");
		}
		if (fcntl(fetch_fd, F_SETFL, O_NONBLOCK) < 0)
		{
			freeaddrinfo(ai);
			return psprintf("fcntl(): %m");
		}
		rc = connect(fetch_fd, ai->ai_addr, ai->ai_addrlen);
		if (rc < 0 && errno != EINPROGRESS)
		{
			char	   *m = psprintf("could not connect to %s: %m", url);

			freeaddrinfo(ai);
			return m;
		}
		freeaddrinfo(ai);
	}
	if (!wait_fd(POLLOUT, deadline))
		return psprintf("timed out connecting to %s", url);
	if (getsockopt(fetch_fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
		return psprintf("getsockopt(): %m");
	if (err != 0)
	{
		errno = err;
		return psprintf("could not connect to %s: %m", url);
	}
	return NULL;
}

/* the JSON string value of "key" in body (no nested objects needed), or NULL */
static char *
json_string(const char *body, const char *key)
{
	char	   *k = psprintf("\"%s\"", key);
	const char *p = strstr(body, k);
	StringInfoData s;

	if (p == NULL)
		return NULL;
	p += strlen(k);
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != '"')
		return NULL;
	p++;
	initStringInfo(&s);
	for (; *p && *p != '"'; p++)
	{
		if (*p == '\\' && p[1] != '\0')
		{
			p++;
			switch (*p)
			{
				case 'n':
					appendStringInfoChar(&s, '\n');
					break;
				case 't':
					appendStringInfoChar(&s, '\t');
					break;
				case 'u':
					appendStringInfoChar(&s, '?');
					if (strlen(p) >= 5)
						p += 4;
					break;
				default:
					appendStringInfoChar(&s, *p);
			}
		}
		else
			appendStringInfoChar(&s, *p);
	}
	return s.data;
}

static void
append_escaped(StringInfo s, const char *name)
{
	for (const unsigned char *c = (const unsigned char *) name; *c; c++)
	{
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			*c == '_' || *c == '-' || *c == '.')
			appendStringInfoChar(s, (char) *c);
		else
			appendStringInfo(s, "%%%02X", *c);
	}
}

/*
 * Sends one HTTP request to the fetcher and reads the whole answer into resp (the fetcher closes
 * the connection after it), all within timeout_s seconds.  Returns NULL, or what went wrong
 * (palloc'd, ready for a message).  Waits serve interrupts.
 */
static char *
exchange(const char *request, StringInfo resp, int timeout_s)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), (int64) timeout_s * 1000);

	/* volatile: assigned inside PG_TRY and read after it (a longjmp must not lose them) */
	char	   *volatile problem = NULL;
	volatile size_t sent = 0;
	size_t		len = strlen(request);

	close_fetch_fd();
	PG_TRY();
	{
		problem = connect_fetcher(deadline);
		while (problem == NULL && sent < len)
		{
			ssize_t		n;

			if (!wait_fd(POLLOUT, deadline))
			{
				problem = psprintf("could not send the request within %d s", timeout_s);
				break;
			}
			n = send(fetch_fd, request + sent, len - sent, MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				continue;
			if (n < 0)
				problem = psprintf("could not send the request: %m");
			else
				sent += n;
		}
		while (problem == NULL)
		{
			char		buf[4096];
			ssize_t		n;

			if (!wait_fd(POLLIN, deadline))
			{
				problem = psprintf("no answer within %d s", timeout_s);
				break;
			}
			n = recv(fetch_fd, buf, sizeof(buf), 0);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				continue;
			if (n < 0)
				problem = psprintf("could not read the answer: %m");
			else if (n == 0)
				break;
			else if (resp->len > 1024 * 1024)
				problem = pstrdup("the answer is too long");
			else
				appendBinaryStringInfo(resp, buf, n);
		}
	}
	PG_CATCH();
	{
		close_fetch_fd();
		PG_RE_THROW();
	}
	PG_END_TRY();
	close_fetch_fd();
	return problem;
}

/*
 * POST /<kind>/<name> to the fetcher and wait for its answer.  kind is "extensions" or
 * "libraries"; what is the word used in messages ("extension", "library"); query, if not NULL,
 * is added to the request's query string (already escaped).  An unreachable fetcher is an ERROR,
 * or with unreachable_ok a WARNING and FETCH_NOT_OURS (what is on disk is whole: go on with it).
 */
static FetchResult
ask_fetcher_ext(const char *kind, const char *what, const char *name, const char *query, bool unreachable_ok)
{
	StringInfoData req;
	StringInfoData resp;
	char	   *problem;
	int			status = 0;
	const char *body;

	initStringInfo(&req);
	appendStringInfo(&req, "POST /%s/", kind);
	append_escaped(&req, name);
	appendStringInfo(&req, "?timeout=%d", fetch_timeout);
	if (query != NULL)
		appendStringInfo(&req, "&%s", query);
	appendStringInfoString(&req, " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
						   "Connection: close\r\nUser-Agent: pg_extfarm\r\n\r\n");
	initStringInfo(&resp);
	/* the fetcher answers 504 after fetch_timeout; allow it 10 s more to say so */
	problem = exchange(req.data, &resp, fetch_timeout + 10);

	if (problem != NULL)
	{
		ereport(unreachable_ok ? WARNING : ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not fetch %s \"%s\": the extfarm fetcher at %s is unavailable: %s",
						what, name, fetcher_url, problem),
				 errhint("Start the fetcher or check extfarm.fetcher_url, then try again.")));
		return FETCH_NOT_OURS;
	}

	if (sscanf(resp.data, "HTTP/1.%*d %d", &status) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("could not fetch %s \"%s\": the extfarm fetcher at %s gave no HTTP answer",
						what, name, fetcher_url)));
	body = strstr(resp.data, "\r\n\r\n");
	body = body ? body + 4 : "";

	if (status == 200)
	{
		char	   *state = json_string(body, "state");

		if (state != NULL && strcmp(state, "pending-restart") == 0)
			ereport(NOTICE,
					(errmsg("a newer version of %s \"%s\" is installed after the next restart", what, name)));
		return FETCH_OK;
	}
	else
	{
		char	   *code = json_string(body, "error");
		char	   *message = json_string(body, "message");

		if (status == 404 && code != NULL && strcmp(code, "not-in-spec") == 0)
			return FETCH_NOT_OURS;
		ereport(ERROR,
				(errcode(status == 504 ? ERRCODE_QUERY_CANCELED : ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not fetch %s \"%s\": %s (HTTP %d from the extfarm fetcher)",
						what, name, message ? message : "no message", status),
				 code ? errdetail("Fetcher error code: %s.", code) : 0));
	}
	return FETCH_OK;			/* not reached */
}

static FetchResult
ask_fetcher(const char *kind, const char *what, const char *name, const char *query)
{
	return ask_fetcher_ext(kind, what, name, query, false);
}

static bool
enabled(void)
{
	return fetcher_url != NULL && fetcher_url[0] != '\0';
}

static void
ensure_extension(const char *extname)
{
	if (!enabled() || marker_exists("extensions", extname))
		return;
	(void) ask_fetcher("extensions", "extension", extname, NULL);
}

/* the version ALTER EXTENSION ... UPDATE TO names, or NULL (the control file's default version) */
static const char *
update_target(AlterExtensionStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *d = (DefElem *) lfirst(lc);

		if (strcmp(d->defname, "new_version") == 0)
			return defGetString(d);
	}
	return NULL;
}

/* extversion of the extension in this database (palloc'd), or NULL when it is not created here */
static char *
database_version(const char *extname)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *version = NULL;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum(extname));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = TextDatumGetCString(d);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return version;
}

/*
 * ALTER EXTENSION x UPDATE [TO 'v']: the scripts that update x from this database's version may
 * come only with another version of its bundle, so the fetcher is asked with both versions
 * (?update_from=&update_to=) even when x is installed; it answers at once when nothing is
 * missing.  With x installed, an unreachable fetcher is a WARNING: PostgreSQL goes on with what
 * is on disk (and says so if the path is not there).
 */
static void
ensure_extension_update(AlterExtensionStmt *stmt)
{
	const char *to;
	char	   *from;
	bool		installed;
	StringInfoData q;

	if (!enabled())
		return;
	installed = marker_exists("extensions", stmt->extname);
	from = database_version(stmt->extname);
	to = update_target(stmt);
	if (from == NULL || (to != NULL && strcmp(from, to) == 0))
	{
		/* not created here (PostgreSQL reports it), or already at that version */
		if (!installed)
			(void) ask_fetcher("extensions", "extension", stmt->extname, NULL);
		return;
	}
	initStringInfo(&q);
	appendStringInfoString(&q, "update_from=");
	append_escaped(&q, from);
	if (to != NULL)
	{
		appendStringInfoString(&q, "&update_to=");
		append_escaped(&q, to);
	}
	(void) ask_fetcher_ext("extensions", "extension", stmt->extname, q.data, installed);
}

static void
ensure_library(const char *file)
{
	char	   *module;

	if (!enabled())
		return;
	module = module_name(file);
	if (module[0] == '\0' || marker_exists("libraries", module))
		return;
	(void) ask_fetcher("libraries", "library", module, NULL);
}

/*
 * A local_preload_libraries entry: PostgreSQL loads it from $libdir/plugins/ only, so the marker
 * is not enough in the shared layout; the fetcher is asked to put the bundle's library there too
 * (?local_preload=true).  In the prefix layout (extfarm.marker_dir set) nothing goes into plugins/.
 */
static void
ensure_plugin_library(const char *file)
{
	char	   *module;
	char		path[MAXPGPATH];
	struct stat st;

	if (!enabled())
		return;
	module = module_name(file);
	if (module[0] == '\0')
		return;
	if (marker_dir_guc != NULL && marker_dir_guc[0] != '\0')
	{
		ensure_library(file);
		return;
	}
	snprintf(path, sizeof(path), "%s/plugins/%s.so", pkglib_path, module);
	if (stat(path, &st) == 0)
		return;
	(void) ask_fetcher("libraries", "library", module, "local_preload=true");
}

/*
 * Fetches every library of a preload list: session_preload_libraries, or (plugins = true)
 * local_preload_libraries.
 */
static void
ensure_preload_list(const char *list, bool plugins)
{
	char	   *copy;
	List	   *names;
	ListCell   *lc;

	if (list == NULL || list[0] == '\0')
		return;
	copy = pstrdup(list);
	if (!SplitDirectoriesString(copy, ',', &names))
		return;					/* PostgreSQL reports the bad list itself */
	foreach(lc, names)
	{
		if (plugins)
			ensure_plugin_library((const char *) lfirst(lc));
		else
			ensure_library((const char *) lfirst(lc));
	}
}

/*
 * ALTER ROLE / ALTER DATABASE / ALTER ROLE ... IN DATABASE ... SET session_preload_libraries or
 * local_preload_libraries: the libraries it names are fetched before the setting is stored, so
 * the connections it applies to find them on disk.
 */
static void
ensure_setting_libraries(VariableSetStmt *set)
{
	bool		plugins;

	if (set == NULL || set->kind != VAR_SET_VALUE || set->name == NULL || !enabled())
		return;
	if (pg_strcasecmp(set->name, "session_preload_libraries") == 0)
		plugins = false;
	else if (pg_strcasecmp(set->name, "local_preload_libraries") == 0)
		plugins = true;
	else
		return;
	ensure_preload_list(ExtractSetVariableArgs(set), plugins);
}

static void
extfarm_ProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					   ProcessUtilityContext context, ParamListInfo params,
					   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	switch (nodeTag(stmt))
	{
		case T_CreateExtensionStmt:
			ensure_extension(((CreateExtensionStmt *) stmt)->extname);
			break;
		case T_AlterExtensionStmt:
			ensure_extension_update((AlterExtensionStmt *) stmt);
			break;
		case T_LoadStmt:
			ensure_library(((LoadStmt *) stmt)->filename);
			break;
		case T_AlterRoleSetStmt:
			ensure_setting_libraries(((AlterRoleSetStmt *) stmt)->setstmt);
			break;
		case T_AlterDatabaseSetStmt:
			ensure_setting_libraries(((AlterDatabaseSetStmt *) stmt)->setstmt);
			break;
		default:
			break;
	}

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

static bool
module_checked(const char *module)
{
	ListCell   *lc;

	foreach(lc, checked_modules)
	{
		if (strcmp((const char *) lfirst(lc), module) == 0)
			return true;
	}
	return false;
}

static void
remember_module(const char *module)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	checked_modules = lappend(checked_modules, pstrdup(module));
	MemoryContextSwitchTo(old);
}

/* is the library of this probin on disk? ($libdir/x, x, or an absolute path) */
static bool
library_on_disk(const char *probin, const char *module)
{
	char		path[MAXPGPATH];
	struct stat st;

	if (probin[0] == '/')
	{
		if (stat(probin, &st) == 0)
			return true;
		snprintf(path, sizeof(path), "%s.so", probin);
		return stat(path, &st) == 0;
	}
	snprintf(path, sizeof(path), "%s/%s.so", pkglib_path, module);
	return stat(path, &st) == 0;
}

/*
 * Called by fmgr_info for every non-builtin function before it is set up: for a C function
 * whose library is missing on disk, fetch the library first.  Never asks for the fmgr_hook.
 */
static bool
extfarm_needs_fmgr_hook(Oid fn_oid)
{
	bool		prev = prev_needs_fmgr_hook ? prev_needs_fmgr_hook(fn_oid) : false;
	HeapTuple	tup;

	if (!enabled())
		return prev;
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (!HeapTupleIsValid(tup))
		return prev;
	if (((Form_pg_proc) GETSTRUCT(tup))->prolang == ClanguageId)
	{
		bool		isnull;
		Datum		d = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_probin, &isnull);

		if (!isnull)
		{
			char	   *probin = TextDatumGetCString(d);
			char	   *module = module_name(probin);

			ReleaseSysCache(tup);
			tup = NULL;
			if (!module_checked(module))
			{
				if (!library_on_disk(probin, module) && !marker_exists("libraries", module))
					(void) ask_fetcher("libraries", "library", module, NULL);
				remember_module(module);
			}
		}
	}
	if (tup != NULL)
		ReleaseSysCache(tup);
	return prev;
}

/* "name=value" or "name-with-dashes=value": the value if the name is guc's (case-insensitive), else NULL */
static const char *
option_value(const char *option, const char *guc)
{
	const char *eq = strchr(option, '=');
	size_t		n = strlen(guc);

	if (eq == NULL || (size_t) (eq - option) != n)
		return NULL;
	for (size_t i = 0; i < n; i++)
	{
		char		c = option[i] == '-' ? '_' : option[i];

		if (pg_tolower((unsigned char) c) != guc[i])
			return NULL;
	}
	return eq + 1;
}

/*
 * The value the connection's start-up packet gives this setting (guc in lower case), or NULL:
 * "-c name=value", "-cname=value" and "--name=value" in its "options" (PGOPTIONS), then a
 * parameter of its own; the last one wins, as PostgreSQL applies them in that order.
 */
static const char *
startup_value(Port *port, const char *guc)
{
	const char *found = NULL;
	ListCell   *lc;

	if (port->cmdline_options != NULL)
	{
		/* at most (strlen + 1) / 2 words, as PostgreSQL sizes it for pg_split_opts() */
		char	  **av = palloc((2 + (strlen(port->cmdline_options) + 1) / 2) * sizeof(char *));
		int			ac = 0;

		pg_split_opts(av, &ac, port->cmdline_options);
		for (int i = 0; i < ac; i++)
		{
			const char *v = NULL;

			if (strcmp(av[i], "-c") == 0 && i + 1 < ac)
				v = option_value(av[++i], guc);
			else if (strncmp(av[i], "-c", 2) == 0 && av[i][2] != '\0')
				v = option_value(av[i] + 2, guc);
			else if (strncmp(av[i], "--", 2) == 0)
				v = option_value(av[i] + 2, guc);
			if (v != NULL)
				found = v;
		}
	}
	foreach(lc, port->guc_options)
	{
		const char *name = (const char *) lfirst(lc);

		lc = lnext(port->guc_options, lc);
		if (lc == NULL)
			break;
		if (pg_strcasecmp(name, guc) == 0)
			found = (const char *) lfirst(lc);
	}
	return found;
}

/*
 * Holds a new connection, after authentication, while a library PostgreSQL is about to load for
 * the session is missing: the server's session_preload_libraries / local_preload_libraries, or
 * the connection's own (its options).  The settings of the database and the role are applied
 * later (they cannot be read before the database is chosen); their libraries are fetched when
 * they are set (ALTER ROLE / ALTER DATABASE ... SET, below) and by the fetcher's phase 3.
 */
static void
extfarm_ClientAuthentication(Port *port, int status)
{
	const char *session;
	const char *local;

	if (prev_ClientAuthentication)
		prev_ClientAuthentication(port, status);
	if (status != STATUS_OK || !enabled())
		return;
	session = startup_value(port, "session_preload_libraries");
	local = startup_value(port, "local_preload_libraries");
	ensure_preload_list(session != NULL ? session : session_preload_libraries_string, false);
	ensure_preload_list(local != NULL ? local : local_preload_libraries_string, true);
}

/*
 * The "pg_extfarm start report" background worker: started by the postmaster once PostgreSQL
 * accepts connections (BgWorkerStart_ConsistentState), it tells the fetcher so, then exits.  The
 * fetcher holds its background downloads (phase 4) until then, or until its --hold-background
 * runs out; a failure here only costs that wait, so it is a LOG line, never an error.
 */
void
extfarm_started_main(Datum arg)
{
	StringInfoData req;
	StringInfoData resp;
	char	   *problem;
	int			status = 0;

	BackgroundWorkerUnblockSignals();
	if (!enabled())
		proc_exit(0);
	initStringInfo(&req);
	appendStringInfo(&req, "POST /postgres/started?pid=%d&port=%d HTTP/1.1\r\nHost: localhost\r\n"
					 "Content-Length: 0\r\nConnection: close\r\nUser-Agent: pg_extfarm\r\n\r\n",
					 (int) PostmasterPid, PostPortNumber);
	initStringInfo(&resp);
	problem = exchange(req.data, &resp, 10);
	if (problem == NULL && (sscanf(resp.data, "HTTP/1.%*d %d", &status) != 1 || status != 200))
		problem = status ? psprintf("HTTP %d", status) : pstrdup("no HTTP answer");
	if (problem != NULL)
		ereport(LOG,
				(errmsg("pg_extfarm: could not tell the extfarm fetcher at %s that PostgreSQL accepts connections: %s",
						fetcher_url, problem),
				 errdetail("The fetcher starts its background downloads when its --hold-background runs out.")));
	else
		ereport(DEBUG1,
				(errmsg("pg_extfarm: told the extfarm fetcher at %s that PostgreSQL accepts connections", fetcher_url)));
	proc_exit(0);
}

void
_PG_init(void)
{
	DefineCustomStringVariable("extfarm.fetcher_url",
							   "Where the extfarm fetcher listens: http://HOST:PORT or unix:PATH.",
							   "Empty disables pg_extfarm.",
							   &fetcher_url, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("extfarm.fetch_timeout",
							"How long a statement waits for the fetcher to install an extension.",
							NULL, &fetch_timeout, 300, 1, 86400, PGC_USERSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomStringVariable("extfarm.marker_dir",
							   "Directory of the fetcher's installed markers.",
							   "Empty means <share>/extension/.extfarm (shared mode, PostgreSQL 15/17); "
							   "give <prefix>/.extfarm/installed in prefix mode (PostgreSQL 18).",
							   &marker_dir_guc, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("extfarm");

	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = extfarm_ProcessUtility;
	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = extfarm_needs_fmgr_hook;
	prev_ClientAuthentication = ClientAuthentication_hook;
	ClientAuthentication_hook = extfarm_ClientAuthentication;

	if (process_shared_preload_libraries_in_progress)
	{
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
		worker.bgw_start_time = BgWorkerStart_ConsistentState;
		worker.bgw_restart_time = BGW_NEVER_RESTART;
		snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_extfarm");
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "extfarm_started_main");
		snprintf(worker.bgw_name, BGW_MAXLEN, "pg_extfarm start report");
		snprintf(worker.bgw_type, BGW_MAXLEN, "pg_extfarm start report");
		RegisterBackgroundWorker(&worker);
	}
}
