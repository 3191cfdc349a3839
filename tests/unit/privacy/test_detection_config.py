import pydantic
import pytest

from privacy.column_scan import header_entity
from privacy.detection_config import (
    DEFAULT_CONFIG_PATH,
    DetectionConfig,
    load_detection_config,
)
from privacy.errors import SpecError


def write(tmp_path, text):
    path = tmp_path / "detection.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_file_states_the_defaults():
    assert DEFAULT_CONFIG_PATH.name == "detection.yaml"
    assert load_detection_config() == DetectionConfig()


def test_every_key_is_optional(tmp_path):
    assert load_detection_config(write(tmp_path, "")) == DetectionConfig()
    config = load_detection_config(
        write(tmp_path, "sample_rows: 50\nname_locales: [en_US, es_MX]\n")
    )
    assert config.sample_rows == 50
    assert config.name_locales == ("en_US", "es_MX")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "sample_size: 10\n",
            r"detection\.yaml: invalid detection config:\n  - sample_size: unknown key; "
            r"allowed keys: nlp_engine, score_threshold, sample_rows",
        ),
        (
            "free_text:\n  min_words: 3\n",
            r"free_text\.min_words: unknown key; allowed keys: min_mean_words",
        ),
        ("score_threshold: 2\n", r"score_threshold: Input should be less than or equal to 1"),
        ("sample_rows: many\n", r"sample_rows: Input should be a valid integer"),
        (
            "header_hints:\n  SOCIAL: ['ssn']\n",
            r"header_hints: unknown entity 'SOCIAL'; allowed values: ACCOUNT_NUMBER, AGE",
        ),
        ("header_hints:\n  US_SSN: ['ss(n']\n", r"US_SSN: pattern 'ss\(n' is not a valid regex"),
        (
            "neutral_hints: ['ndc', 'icd(']\n",
            r"  - neutral_hints: pattern 'icd\(' is not a valid regex",
        ),
        ("name_locales: [xx_YY]\n", r"name_locales: Faker has no person names for locale 'xx_YY'"),
        ("phone_regions: [ZZ]\n", r"phone_regions: unknown region\(s\) 'ZZ'"),
        ("- a\n- b\n", r"detection\.yaml: expected a mapping of settings at the top level"),
        ("score_threshold: [\n", r"detection\.yaml: not valid YAML at line 2"),
    ],
)
def test_errors_name_the_file_the_key_and_the_fix(tmp_path, text, message):
    with pytest.raises(SpecError, match=message):
        load_detection_config(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match=r"nope\.yaml: cannot read the detection config"):
        load_detection_config(tmp_path / "nope.yaml")


def test_config_is_frozen():
    with pytest.raises(pydantic.ValidationError):
        DetectionConfig().score_threshold = 0.1  # type: ignore[misc]


def test_hint_order_is_the_file_order(tmp_path):
    config = load_detection_config(
        write(tmp_path, "header_hints:\n  LOCATION: ['place']\n  BIRTH_DATE: ['birth']\n")
    )
    assert list(config.header_hints) == ["LOCATION", "BIRTH_DATE"]


def test_a_steward_hint_matches_words(tmp_path):
    config = load_detection_config(
        write(tmp_path, "header_hints:\n  HEALTH_PLAN_ID: ['plan (no|number)']\n")
    )
    assert header_entity("PLAN_NO", config) == "HEALTH_PLAN_ID"
    assert header_entity("PLANNO", config) is None  # 'planno' is one unknown word
    assert header_entity("MEMBER_ID", config) is None  # only the steward's hints apply
