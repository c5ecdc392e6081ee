package dev.extfarm.registry.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** One extension (bundle) name: its visibility and description. */
@Entity
@Table(name = "extension")
public class Extension extends PanacheEntityBase {

    public static final String PUBLIC = "public";
    public static final String PRIVATE = "private";

    @Id
    public String name;

    @Column(nullable = false)
    public String visibility;

    public String description;

    /** When a bundle was first accepted while public: from then on it cannot be made private. */
    @Column(name = "first_public_at")
    public OffsetDateTime firstPublicAt;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    public boolean isPrivate() {
        return PRIVATE.equals(visibility);
    }
}
