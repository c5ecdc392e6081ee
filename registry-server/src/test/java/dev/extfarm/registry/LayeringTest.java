package dev.extfarm.registry;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering docs/design.md draws (section Layout), for module registry-server: its packages form no cycle,
 * and it uses, of our modules, {@code bundle} and {@code protocol} and {@code recipe}.
 */
@AnalyzeClasses(packages = "dev.extfarm.registry", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

    /**
     * Every package of this module, the root one too, is a slice: a cycle between any two fails. The
     * dependencies ignored close the cycles this module still has (issue 25 breaks them): one line
     * each, removed with the cycle; a new cycle fails.
     */
    @ArchTest
    static final ArchRule packagesFormNoCycle = slices().matching("dev.extfarm.(**)").should().beFreeOfCycles()
            .ignoreDependency(resideInAPackage("dev.extfarm.registry.recipe"), resideInAPackage("dev.extfarm.registry.builds"))
            .ignoreDependency(resideInAPackage("dev.extfarm.registry.provenance"), resideInAPackage("dev.extfarm.registry.builds"))
            .ignoreDependency(resideInAPackage("dev.extfarm.registry.compute"), resideInAPackage("dev.extfarm.registry.bundle"))
            .ignoreDependency(resideInAPackage("dev.extfarm.registry.catalog"), resideInAPackage("dev.extfarm.registry.auth"))
            .ignoreDependency(resideInAPackage("dev.extfarm.registry.problem"), resideInAPackage("dev.extfarm.registry.http"))
            .ignoreDependency(resideInAPackage("dev.extfarm.registry.names"), resideInAPackage("dev.extfarm.registry.catalog"));

    @ArchTest
    static final ArchRule usesOnlyTheModulesItMay = noClasses().should().dependOnClassesThat(
            resideInAPackage("dev.extfarm..").and(not(resideInAnyPackage("dev.extfarm.registry..", "dev.extfarm.bundle..", "dev.extfarm.protocol..", "dev.extfarm.recipe.."))));
}
