package dev.extfarm.cli.recipe.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PGXN version ranges → the majors 13..18 a recipe may list. */
class PgVersionRangeTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0                    | 13,14,15,16,17,18",
            "9.6.0                | 13,14,15,16,17,18",
            "14.0                 | 14,15,16,17,18",
            "14.2.0               | 14,15,16,17,18",
            ">= 12.0, < 17.0      | 13,14,15,16",
            "<= 15                | 13,14,15",
            "< 15                 | 13,14",
            "< 15.1               | 13,14,15",
            "> 17.99              | 17,18",
            "== 16.2              | 16",
            "!= 16.1              | 13,14,15,16,17,18",
            ">= 15.0, < 16.0      | 15",
            "< 13                 | ''",
            ">= 19                | ''",
            "15.0.0-beta1         | 15,16,17,18"})
    void admitsTheMajorsWithAVersionInTheRange(String range, String majors) {
        assertThat(PgVersionRange.admittedMajors(range).stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse(""))
                .isEqualTo(majors);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"latest", ">= fifteen", "~> 15", "15,,16", "99999999999"})
    void somethingElseIsRefusedWithTheConstraint(String range) {
        assertThatThrownBy(() -> PgVersionRange.admittedMajors(range)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a version constraint");
    }
}
