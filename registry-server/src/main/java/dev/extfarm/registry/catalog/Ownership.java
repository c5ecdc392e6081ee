package dev.extfarm.registry.catalog;

import dev.extfarm.registry.auth.Principal;
import dev.extfarm.registry.auth.Role;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.List;

/**
 * Who may push recipes for (and rebuild, cancel builds of) an extension: admins, and the
 * maintainers who own it. The first maintainer to push a recipe for a new name owns it; a
 * tenant-scoped maintainer's new extension is private to its tenant. An extension nobody owns
 * yet (created by an upload, or reserved by an admin) goes to the first maintainer who may have
 * it: public ones to a farm-wide maintainer, private ones to a maintainer of a granted tenant.
 */
@ApplicationScoped
public class Ownership {

    @Inject
    EntityManager em;
    @Inject
    Event<VisibilityChanged> changed;

    /** Checks (and, on first push, takes) ownership; the extension row is locked until the transaction ends. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void claimForPush(Principal who, String extension) {
        take(who, extension);
        // pushes of one extension are serialised from here to the end of the transaction
        em.createNativeQuery("SELECT name FROM extension WHERE name = :n FOR UPDATE").setParameter("n", extension).getResultList();
    }

    private void take(Principal who, String extension) {
        if (who.role() == Role.ADMIN) {
            em.createNativeQuery("INSERT INTO extension (name) VALUES (:n) ON CONFLICT DO NOTHING")
                    .setParameter("n", extension).executeUpdate();
            return;
        }
        requireMaintainer(who);
        boolean tenantScoped = who.tenantId() != null;
        int created = em.createNativeQuery("INSERT INTO extension (name, visibility) VALUES (:n, :v) ON CONFLICT DO NOTHING")
                .setParameter("n", extension).setParameter("v", tenantScoped ? "private" : "public").executeUpdate();
        if (created == 1) {
            addOwner(extension, who);
            return;
        }
        String visibility = (String) em.createNativeQuery("SELECT visibility FROM extension WHERE name = :n FOR UPDATE")
                .setParameter("n", extension).getSingleResult();
        List<?> owners = owners(extension);
        if (owners.stream().anyMatch(o -> ((Number) o).longValue() == who.tokenId())) {
            return;
        }
        if (owners.isEmpty()) {
            boolean mayTake = "public".equals(visibility) ? !tenantScoped : tenantScoped && granted(who.tenantId(), extension);
            if (mayTake) {
                addOwner(extension, who);
                return;
            }
        }
        throw notOwner(extension);
    }

    /** For rebuild and cancel: admins, or a maintainer who owns the extension. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void requireOwner(Principal who, String extension) {
        if (who.role() == Role.ADMIN) {
            return;
        }
        requireMaintainer(who);
        if (owners(extension).stream().noneMatch(o -> ((Number) o).longValue() == who.tokenId())) {
            throw notOwner(extension);
        }
    }

    private static void requireMaintainer(Principal who) {
        if (who.role() != Role.MAINTAINER) {
            throw ExtfarmException.forbidden("forbidden", "only maintainer and admin tokens may push recipes or manage builds; this is a "
                    + who.role().id() + " token");
        }
    }

    private List<?> owners(String extension) {
        return em.createNativeQuery("SELECT token_id FROM extension_owner WHERE extension_name = :n")
                .setParameter("n", extension).getResultList();
    }

    private boolean granted(long tenantId, String extension) {
        return !em.createNativeQuery("SELECT 1 FROM tenant_grant WHERE tenant_id = :t AND extension_name = :n")
                .setParameter("t", tenantId).setParameter("n", extension).getResultList().isEmpty();
    }

    private void addOwner(String extension, Principal who) {
        em.createNativeQuery("INSERT INTO extension_owner (extension_name, token_id) VALUES (:n, :t) ON CONFLICT DO NOTHING")
                .setParameter("n", extension).setParameter("t", who.tokenId()).executeUpdate();
        if (who.tenantId() != null) {
            em.createNativeQuery("INSERT INTO tenant_grant (tenant_id, extension_name) VALUES (:t, :n) ON CONFLICT DO NOTHING")
                    .setParameter("t", who.tenantId()).setParameter("n", extension).executeUpdate();
        }
        changed.fire(new VisibilityChanged("recipe pushed for " + extension));
    }

    private static ExtfarmException notOwner(String extension) {
        return ExtfarmException.forbidden("not-owner", "you do not own the extension '" + extension + "' (its name is taken); "
                + "an admin can add your token as an owner: PUT /api/v1/admin/extensions/" + extension + "/owners/{token id}");
    }
}
