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
     * Every package of this module, the root one too, is a slice: a cycle between any two fails. No
     * dependency is ignored: a type two packages share lives in the lower one (or the lower one
     * declares a small interface the higher one implements).
     */
    @ArchTest
    static final ArchRule packagesFormNoCycle = slices().matching("dev.extfarm.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule usesOnlyTheModulesItMay = noClasses().should().dependOnClassesThat(
            resideInAPackage("dev.extfarm..").and(not(resideInAnyPackage("dev.extfarm.registry..", "dev.extfarm.bundle..", "dev.extfarm.protocol..", "dev.extfarm.recipe.."))));
}
