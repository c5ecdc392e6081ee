package dev.extfarm.registry.names;

import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Who may carry an extension or library name. PostgreSQL's own names ({@link PostgresqlNames})
 * belong to no bundle. Every other name belongs to the extension (recipe, bundle name) whose bundle
 * first carried it: the first published bundle of a recipe claims all the control files and modules
 * it carries (PostGIS: postgis, postgis_raster, postgis_topology, ...), and a bundle of another
 * extension carrying one of them is refused. Claims are rows with a primary key on (kind, name),
 * inserted in the upload's transaction before anything is published: of two uploads at once, on any
 * replica, one inserts and the other waits for it and then finds the name taken.
 */
@ApplicationScoped
public class NameOwnership {

    public static final String OWNED = "extension-name-owned";
    public static final String RESERVED = "extension-name-reserved";

    @Inject
    EntityManager em;
    @Inject
    PrivateExtensions privateExtensions;

    /** One name a bundle may not carry, and why: {@code owner} is another extension, or null for PostgreSQL's own. */
    record Violation(CarriedNames.Ref ref, String owner, boolean postgresql) {
    }

    /**
     * Everything checked before anything is stored: no name of PostgreSQL's own, none another
     * extension owns, and no script of an extension the bundle does not carry ({@code x--1.0--1.1.sql}
     * would be an update path for someone else's extension). All violations are reported at once.
     * The ownership part is checked again, race-free, when the names are claimed ({@link #claim}).
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public void check(String bundle, CarriedNames names) {
        List<Violation> found = new ArrayList<>();
        for (CarriedNames.Ref ref : names.refs()) {
            CarriedNames.Name n = ref.name();
            if (PostgresqlNames.majorsShipping(n.kind(), n.name()).isPresent()) {
                found.add(new Violation(ref, null, true));
                continue;
            }
            String owner = owner(n);
            if (owner != null && !owner.equals(bundle)) {
                found.add(new Violation(ref, owner, false));
            }
        }
        if (!found.isEmpty()) {
            throw refusal(bundle, found);
        }
        for (CarriedNames.Ref ref : names.refs()) {
            CarriedNames.Name n = ref.name();
            if (n.kind() == NameKind.CONTROL && !names.controls().contains(n.name())) {
                throw new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, "bundle-rejected", "Bundle rejected",
                        "the bundle '" + bundle + "' carries " + ref.where() + ", a file of extension '" + n.name()
                                + "', but not share/extension/" + n.name() + ".control; nothing was stored. A bundle ships "
                                + "scripts only for the extensions it carries")
                        .with("rule", "script-without-control").with("entry", ref.where());
            }
        }
    }

    /**
     * Claims the bundle's names for {@code owner} (names it already owns stay its own), or refuses
     * the bundle if another extension owns one of the names it carries. In the caller's transaction:
     * a refusal rolls the claims back with everything else.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void claim(String owner, String sha256, CarriedNames names) {
        for (CarriedNames.Name n : names.claims()) {
            em.createNativeQuery("INSERT INTO extension_name (kind, name, owner, claimed_by) VALUES (:k, :n, :o, :s) "
                            + "ON CONFLICT (kind, name) DO NOTHING")
                    .setParameter("k", n.kind().id()).setParameter("n", n.name()).setParameter("o", owner).setParameter("s", sha256)
                    .executeUpdate();
        }
        List<Violation> found = new ArrayList<>();
        for (CarriedNames.Ref ref : names.refs()) {
            String other = owner(ref.name());
            if (other != null && !other.equals(owner)) {
                found.add(new Violation(ref, other, false));
            }
        }
        if (!found.isEmpty()) {
            throw refusal(owner, found);
        }
    }

    private String owner(CarriedNames.Name n) {
        List<?> owners = em.createNativeQuery("SELECT owner FROM extension_name WHERE kind = :k AND name = :n")
                .setParameter("k", n.kind().id()).setParameter("n", n.name()).getResultList();
        return owners.isEmpty() ? null : (String) owners.get(0);
    }

    /**
     * One problem for all the names: {@code extension-name-reserved} if one is PostgreSQL's, else
     * {@code extension-name-owned}; {@code kind}, {@code name}, {@code entry} (and {@code owner}) of
     * the first, {@code names} for all. A private owner is never named: build reports may be public.
     */
    private ExtfarmException refusal(String bundle, List<Violation> found) {
        boolean reserved = found.stream().anyMatch(Violation::postgresql);
        List<String> what = new ArrayList<>();
        List<Map<String, Object>> members = new ArrayList<>();
        for (Violation v : found) {
            CarriedNames.Name n = v.ref().name();
            boolean hidden = !v.postgresql() && privateExtensions.isPrivate(v.owner());
            String whose = v.postgresql() ? "is PostgreSQL's own (PostgreSQL " + PostgresqlNames.majorsShipping(n.kind(), n.name())
                    .orElseThrow().stream().sorted().map(String::valueOf).collect(Collectors.joining(", ")) + ")"
                    : hidden ? "belongs to another (private) extension"
                    : "belongs to the extension '" + v.owner() + "', whose bundle carried it first";
            what.add(n.kind().describe(n.name()) + " (" + v.ref().where() + "), which " + whose);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", n.kind().id());
            m.put("name", n.name());
            m.put("entry", v.ref().where());
            m.put("owner", v.postgresql() ? "postgresql" : hidden ? null : v.owner());
            members.add(m);
        }
        Violation first = found.stream().filter(v -> v.postgresql() == reserved).findFirst().orElseThrow();
        String fix = reserved ? "A bundle may not replace or extend PostgreSQL's own extensions and modules: rename yours, or stop "
                + "installing those files." : "";
        Violation owned = found.stream().filter(v -> !v.postgresql()).findFirst().orElse(null);
        if (owned != null) {
            CarriedNames.Name o = owned.ref().name();
            fix += (reserved ? " " : "") + "Rename what another extension owns, or stop installing it; if '" + bundle + "' should own "
                    + "a name, an admin can transfer it: PUT /api/v1/admin/extension-names/" + o.kind().id() + "/" + o.name()
                    + " {\"owner\": \"" + bundle + "\"}";
        }
        CarriedNames.Name n = first.ref().name();
        ExtfarmException e = new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, reserved ? RESERVED : OWNED,
                reserved ? "Name reserved for PostgreSQL" : "Name owned by another extension",
                "the bundle '" + bundle + "' carries " + String.join("; and ", what) + "; nothing was stored. " + fix)
                .with("kind", n.kind().id()).with("name", n.name()).with("entry", first.ref().where());
        Object owner = members.get(found.indexOf(first)).get("owner");
        if (owner != null && !reserved) {
            e.with("owner", owner);
        }
        return e.with("names", members);
    }

    /** One owned name, as the admin API shows it. */
    public record Claim(String kind, String name, String owner, String claimedBy, OffsetDateTime claimedAt) {
    }

    /** Owned names, by owner and/or kind (null: any), in name order. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Claim> claims(String owner, String kind) {
        var q = em.createNativeQuery("SELECT kind, name, owner, claimed_by, claimed_at FROM extension_name "
                + "WHERE (cast(:o AS text) IS NULL OR owner = :o) AND (cast(:k AS text) IS NULL OR kind = :k) ORDER BY name, kind")
                .setParameter("o", owner).setParameter("k", kind == null ? null : NameKind.of(kind).id());
        List<Claim> out = new ArrayList<>();
        for (Object row : q.getResultList()) {
            Object[] r = (Object[]) row;
            out.add(new Claim((String) r[0], (String) r[1], (String) r[2], (String) r[3], offset(r[4])));
        }
        return out;
    }

    private static OffsetDateTime offset(Object v) {
        return v instanceof OffsetDateTime o ? o : v instanceof Instant i ? i.atOffset(ZoneOffset.UTC)
                : v instanceof Timestamp t ? t.toInstant().atOffset(ZoneOffset.UTC) : null;
    }

    /**
     * An admin gives a name to an extension (which must exist). From then on only that extension's
     * bundles may carry it; stored bundles of the previous owner that carry it leave the compute
     * specs ({@link #conflicts}).
     */
    @Transactional
    public Claim transfer(String kind, String name, String owner) {
        NameKind k = NameKind.of(kind);
        if (PostgresqlNames.majorsShipping(k, name).isPresent()) {
            throw new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, RESERVED, "Name reserved for PostgreSQL",
                    k.describe(name) + " is PostgreSQL's own; no extension can own it");
        }
        if (owner == null || em.createNativeQuery("SELECT 1 FROM extension WHERE name = :n").setParameter("n", owner).getResultList().isEmpty()) {
            throw ExtfarmException.notFound("extension-not-found", "there is no extension '" + owner + "' to own " + k.describe(name)
                    + "; send {\"owner\": \"<extension name>\"} naming an extension that was uploaded or reserved");
        }
        em.createNativeQuery("INSERT INTO extension_name (kind, name, owner, claimed_by) VALUES (:k, :n, :o, NULL) "
                        + "ON CONFLICT (kind, name) DO UPDATE SET owner = excluded.owner, claimed_by = NULL, claimed_at = now()")
                .setParameter("k", k.id()).setParameter("n", name).setParameter("o", owner).executeUpdate();
        return claims(owner, k.id()).stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    /** An admin releases a name: the next bundle published that carries it claims it. */
    @Transactional
    public void release(String kind, String name) {
        NameKind k = NameKind.of(kind);
        int n = em.createNativeQuery("DELETE FROM extension_name WHERE kind = :k AND name = :n").setParameter("k", k.id())
                .setParameter("n", name).executeUpdate();
        if (n == 0) {
            throw ExtfarmException.notFound("extension-name-not-found", "nobody owns " + k.describe(name));
        }
    }

    /** Control and library names of stored bundles that are another extension's or PostgreSQL's: see {@link #conflicts}. */
    public record Conflict(String sha256, String extension, String version, int pgMajor, String platform, String kind, String name,
                           String owner, boolean postgresql) {
    }

    /**
     * Stored bundles that carry a name another extension owns, or one of PostgreSQL's: bundles stored
     * before names were owned (issue 21), or whose name an admin transferred. Compute specs leave them
     * out, so fetchers never see two bundles claim one name. Restricted to one PG major and platform
     * when both are given.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Conflict> conflicts(Integer pg, String platform) {
        String where = pg == null ? "" : " AND b.pg_major = :pg AND b.platform = :p";
        var q = em.createNativeQuery("SELECT b.sha256, b.extension_name, b.version, b.pg_major, b.platform, c.kind, c.name, o.owner "
                + "FROM bundle b CROSS JOIN LATERAL ("
                + "  SELECT 'control' AS kind, split_part(x, '--', 1) AS name FROM unnest(b.extensions) x"
                + "  UNION SELECT 'library', y FROM unnest(b.libraries) y) c "
                + "LEFT JOIN extension_name o ON o.kind = c.kind AND o.name = c.name "
                + "WHERE (o.owner <> b.extension_name OR c.name = ANY(cast(:reserved AS text[])))" + where
                + " ORDER BY b.extension_name, b.created_at, c.kind, c.name");
        q.setParameter("reserved", RESERVED_ARRAY);
        if (pg != null) {
            q.setParameter("pg", pg).setParameter("p", platform);
        }
        List<Conflict> out = new ArrayList<>();
        for (Object row : q.getResultList()) {
            Object[] r = (Object[]) row;
            String extension = (String) r[1];
            String kind = (String) r[5];
            String name = (String) r[6];
            boolean postgresql = PostgresqlNames.majorsShipping(NameKind.of(kind), name).isPresent();
            String owner = postgresql ? null : (String) r[7];
            if (postgresql || owner != null && !owner.equals(extension)) {
                out.add(new Conflict((String) r[0], extension, (String) r[2], ((Number) r[3]).intValue(), (String) r[4], kind, name, owner,
                        postgresql));
            }
        }
        return out;
    }

    /** Every reserved name (of either kind) as a PostgreSQL array literal; names are [A-Za-z0-9_-]. */
    private static final String RESERVED_ARRAY = "{" + PostgresqlNames.entries().stream().map(PostgresqlNames.Entry::name).distinct()
            .sorted().map(s -> "\"" + s + "\"").collect(Collectors.joining(",")) + "}";
}
