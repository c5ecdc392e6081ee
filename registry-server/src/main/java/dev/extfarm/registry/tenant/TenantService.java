package dev.extfarm.registry.tenant;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.registry.auth.Tenant;
import dev.extfarm.registry.catalog.Extension;
import dev.extfarm.registry.catalog.VisibilityChanged;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Tenants, the private extensions granted to them, and the versions they are pinned to. */
@ApplicationScoped
public class TenantService {

    @Inject
    EntityManager em;
    @Inject
    Event<VisibilityChanged> changed;

    public record TenantView(long id, String name, List<String> grants, Map<String, String> pins) {
    }

    @Transactional
    public TenantView create(String name) {
        if (!BundleAddress.isValidName(name)) {
            throw ExtfarmException.invalid("invalid-tenant", "tenant name '" + name + "' must match " + BundleAddress.NAME_RULE);
        }
        if (Tenant.findByName(name).isPresent()) {
            throw ExtfarmException.conflict("tenant-exists", "tenant '" + name + "' exists already");
        }
        Tenant t = new Tenant();
        t.name = name;
        t.persist();
        changed.fire(new VisibilityChanged("tenant " + name));
        return new TenantView(t.id, t.name, List.of(), Map.of());
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<TenantView> list() {
        List<Tenant> all = Tenant.list("order by name");
        return all.stream().map(this::view).toList();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public TenantView get(String name) {
        return view(require(name));
    }

    @SuppressWarnings("unchecked")
    private TenantView view(Tenant t) {
        List<String> grants = em.createNativeQuery("SELECT extension_name FROM tenant_grant WHERE tenant_id = :t ORDER BY 1")
                .setParameter("t", t.id).getResultList();
        Map<String, String> pins = new TreeMap<>();
        for (Object[] r : (List<Object[]>) em.createNativeQuery("SELECT extension_name, version FROM tenant_pin WHERE tenant_id = :t")
                .setParameter("t", t.id).getResultList()) {
            pins.put((String) r[0], (String) r[1]);
        }
        return new TenantView(t.id, t.name, grants, pins);
    }

    /** Lets the tenant use a private extension (which must have been made private first). */
    @Transactional
    public void grant(String tenant, String extension) {
        Tenant t = require(tenant);
        Extension e = Extension.findById(extension);
        if (e == null) {
            throw ExtfarmException.notFound("extension-not-found", "no extension '" + extension
                    + "'; reserve it as private first: PUT /api/v1/admin/extensions/" + extension + "/visibility");
        }
        em.createNativeQuery("INSERT INTO tenant_grant (tenant_id, extension_name) VALUES (:t, :e) ON CONFLICT DO NOTHING")
                .setParameter("t", t.id).setParameter("e", extension).executeUpdate();
        changed.fire(new VisibilityChanged("grant " + extension + " to " + tenant));
    }

    @Transactional
    public void revoke(String tenant, String extension) {
        Tenant t = require(tenant);
        em.createNativeQuery("DELETE FROM tenant_grant WHERE tenant_id = :t AND extension_name = :e")
                .setParameter("t", t.id).setParameter("e", extension).executeUpdate();
        changed.fire(new VisibilityChanged("revoke " + extension + " from " + tenant));
    }

    @Transactional
    public void pin(String tenant, String extension, String version) {
        Tenant t = require(tenant);
        if (version == null || version.isBlank()) {
            throw ExtfarmException.invalid("invalid-pin", "send {\"version\": \"0.8.0\"}");
        }
        long n = ((Number) em.createNativeQuery("SELECT count(*) FROM bundle WHERE extension_name = :e AND version = :v")
                .setParameter("e", extension).setParameter("v", version).getSingleResult()).longValue();
        if (n == 0) {
            throw ExtfarmException.notFound("version-not-found", "no bundle of " + extension + " " + version
                    + " was uploaded; see GET /api/v1/extensions/" + extension);
        }
        em.createNativeQuery("INSERT INTO tenant_pin (tenant_id, extension_name, version) VALUES (:t, :e, :v) "
                        + "ON CONFLICT (tenant_id, extension_name) DO UPDATE SET version = excluded.version, pinned_at = now()")
                .setParameter("t", t.id).setParameter("e", extension).setParameter("v", version).executeUpdate();
    }

    @Transactional
    public void unpin(String tenant, String extension) {
        Tenant t = require(tenant);
        em.createNativeQuery("DELETE FROM tenant_pin WHERE tenant_id = :t AND extension_name = :e")
                .setParameter("t", t.id).setParameter("e", extension).executeUpdate();
    }

    /** extension → pinned version, for one tenant. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Map<String, String> pins(long tenantId) {
        return view(Tenant.findById(tenantId)).pins();
    }

    private static Tenant require(String name) {
        return Tenant.findByName(name).orElseThrow(() -> ExtfarmException.notFound("tenant-not-found",
                "no tenant '" + name + "'; create it with POST /api/v1/admin/tenants"));
    }
}
