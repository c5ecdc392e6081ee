package dev.extfarm.fetcher;

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
 * The layering docs/design.md draws (section Layout), for module fetcher: its packages form no cycle,
 * and it uses, of our modules, {@code bundle} and {@code protocol}.
 */
@AnalyzeClasses(packages = "dev.extfarm.fetcher", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

    /**
     * Every package of this module, the root one too, is a slice: a cycle between any two fails. None
     * is ignored: the endpoint reaches the fetcher through its own {@code endpoint.Service}.
     */
    @ArchTest
    static final ArchRule packagesFormNoCycle = slices().matching("dev.extfarm.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule usesOnlyTheModulesItMay = noClasses().should().dependOnClassesThat(
            resideInAPackage("dev.extfarm..").and(not(resideInAnyPackage("dev.extfarm.fetcher..", "dev.extfarm.bundle..", "dev.extfarm.protocol.."))));

    /** The registry is an application: nothing builds on its classes (the wire between them is module protocol). */
    @ArchTest
    static final ArchRule nothingDependsOnTheRegistry = noClasses().should().dependOnClassesThat()
            .resideInAPackage("dev.extfarm.registry..");
}
