"""The situation model: strict types, ranges, cross-field checks, did-you-mean, safe loading."""
from __future__ import annotations

import pytest

from expert.errors import InputFileError, SituationError
from expert.model.situation import Situation


def parse(kb, **groups):
    return Situation.parse({"community": {"name": "T"}, **groups}, kb)


def test_unknown_field_gets_did_you_mean(kb):
    with pytest.raises(SituationError) as err:
        parse(kb, activity={"activty_change_pct": -30})
    text = str(err.value)
    assert "activity.activty_change_pct" in text and "did you mean 'activity.activity_change_pct'" in text


def test_unknown_group_gets_did_you_mean(kb):
    with pytest.raises(SituationError) as err:
        parse(kb, contributers={"core_total": 3})
    assert "did you mean 'contributors'" in str(err.value)


def test_out_of_range_names_field_value_and_range(kb):
    with pytest.raises(SituationError) as err:
        parse(kb, activity={"effective_interaction_rate": 1.5})
    text = str(err.value)
    assert "activity.effective_interaction_rate" in text and "1.5" in text and "less than or equal to 1" in text


def test_enum_lists_allowed_values(kb):
    with pytest.raises(SituationError) as err:
        parse(kb, conflict={"severity": "huge"})
    assert "'huge'" in str(err.value) and "'critical'" in str(err.value)


def test_strict_types_refuse_strings_for_numbers(kb):
    with pytest.raises(SituationError) as err:
        parse(kb, activity={"activity_change_pct": "-30"})
    assert "activity.activity_change_pct" in str(err.value)


def test_strict_bool_refuses_yes_string(kb):
    with pytest.raises(SituationError):
        parse(kb, activity={"content_repetition": "yes"})


def test_core_inactive_cannot_exceed_core_total(kb):
    with pytest.raises(SituationError) as err:
        parse(kb, contributors={"core_total": 3, "core_inactive_4w": 5})
    assert "core_inactive_4w" in str(err.value) and "core_total" in str(err.value)


def test_name_is_required(kb):
    with pytest.raises(SituationError) as err:
        Situation.parse({"activity": {"activity_change_pct": -3}}, kb)
    assert "community" in str(err.value)


def test_absent_fact_is_unknown_not_zero(kb):
    facts = parse(kb, activity={"activity_change_pct": -30}).facts()
    assert "active_members_change_pct" not in facts and facts["activity_change_pct"] == -30


def test_round_trip_through_to_dict(kb):
    s = parse(kb, activity={"activity_change_pct": -30}, mood="worried")
    assert Situation.parse(s.to_dict(), kb).facts() == s.facts()


def test_free_text_tactics_matched_and_unmatched_reported(kb):
    s = parse(kb, pressure={"proposed_tactics": ["马甲", "Expert AMA", "skywriting"]})
    assert s.facts()["proposed_tactics"] == ("sock_puppet_accounts", "expert_ama")
    assert s.unrecognised_tactics == ("skywriting",)


def test_yaml_loading_is_safe(kb, tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("community: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(InputFileError) as err:
        Situation.load(path, kb)
    assert str(path) in str(err.value)


def test_json_situation_file(kb, tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"community": {"name": "J"}, "activity": {"activity_change_pct": -25}}')
    assert Situation.load(path, kb).facts()["activity_change_pct"] == -25


def test_non_mapping_file_is_refused(kb, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(InputFileError) as err:
        Situation.load(path, kb)
    assert "expected a mapping" in str(err.value)


def test_group_given_as_a_number_lists_the_facts_allowed_not_a_class_name(kb):
    with pytest.raises(SituationError) as err:
        parse(kb, activity=5)
    text = str(err.value)
    assert "field 'activity' has invalid value 5: expected a mapping of facts" in text
    assert "activity_change_pct" in text and "ActivityFacts" not in text


def test_non_text_key_is_named_with_the_fields_allowed(kb):
    with pytest.raises(SituationError) as err:
        Situation.parse({"community": {"name": "T", 5: 3}}, kb)
    text = str(err.value)
    assert "key 5 in 'community' is not a field name" in text and "members" in text and "field ''" not in text


def test_nan_and_infinity_are_refused_as_not_finite(kb):
    for bad in (float("nan"), float("inf")):
        with pytest.raises(SituationError) as err:
            Situation.parse({"community": {"name": "T", "age_months": bad}}, kb)
        assert "finite number" in str(err.value) and "from 0 to 600" in str(err.value)


def test_huge_invalid_value_is_cut_short_in_the_message(kb):
    with pytest.raises(SituationError) as err:
        Situation.parse({"community": {"name": "T", "members": "9" * 100_000}}, kb)
    assert len(str(err.value)) < 400 and "…" in str(err.value)


def test_scenario_whose_situation_is_not_a_mapping_names_that_field(kb, tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("situation: 5\nexpect: {}\n", encoding="utf-8")
    with pytest.raises(SituationError) as err:
        Situation.load(path, kb)
    text = str(err.value)
    assert "scenario.yaml:1: field 'situation' has invalid value 5" in text and "unknown field" not in text
