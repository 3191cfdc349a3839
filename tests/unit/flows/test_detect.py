import io
import json

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.detect import run_detect
from privacy.errors import SourceError

NOTES = [
    {"id": 1, "text": "Seen by Dr. Okonkwo on 7/22. Daughter Marisol called 617-555-0143."},
    {"id": "b", "text": "PT TRANSFERRED TO KESTREL HOSPITAL 07-22-2004; WIFE IN TO VISIT."},
    {"id": 3, "text": "Lungs clear, afebrile, tolerating diet."},
    {"id": 4, "text": None},
]


def write_jsonl(path, records, field="text"):
    lines = []
    for record in records:
        record = dict(record)
        if field != "text":
            record[field] = record.pop("text")
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def found(record_text, spans):
    return [(record_text[s["start"] : s["end"]], s["entity"]) for s in spans]


def test_writes_one_line_per_record_with_spans(tmp_path):
    source = write_jsonl(tmp_path / "notes.jsonl", NOTES)
    out = io.StringIO()
    assert run_detect(source, "text", out) == 4
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["id"] for line in lines] == [1, "b", 3, 4]
    first = found(NOTES[0]["text"], lines[0]["spans"])
    assert ("Okonkwo", "PERSON") in first
    assert ("7/22", "DATE_TIME") in first
    assert ("Marisol", "PERSON") in first
    assert ("617-555-0143", "PHONE_NUMBER") in first
    second = found(NOTES[1]["text"], lines[1]["spans"])
    assert ("KESTREL", "LOCATION") in second
    assert ("07-22-2004", "DATE_TIME") in second
    assert lines[2]["spans"] == [] and lines[3]["spans"] == []
    for span in lines[0]["spans"]:
        assert set(span) == {"start", "end", "entity", "score"}
        assert 0 < span["score"] <= 1


def test_other_field_and_many_records_stream_in_batches(tmp_path):
    records = [
        {"id": i, "text": f"Dr. Okonkwo saw the patient on 3/{i % 28 + 1}."} for i in range(700)
    ]
    source = write_jsonl(tmp_path / "many.jsonl", records, field="body")
    out = io.StringIO()
    assert run_detect(source, "body", out) == 700
    lines = out.getvalue().splitlines()
    assert len(lines) == 700
    assert json.loads(lines[699])["id"] == 699
    assert all(json.loads(line)["spans"] for line in lines)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"id": 1, "text": "ok"}\nnot json at all\n', r"line 2: not valid JSON"),
        ('{"id": 1, "text": "ok"}\n["a", "list"]\n', r"line 2: expected a JSON object"),
        ('{"text": "Jane Doe"}\n', r"line 1: missing key 'id'"),
        ('{"id": 1, "body": "Jane Doe"}\n', r"line 1: missing key 'text'"),
        ('{"id": 1, "text": 12345}\n', r"line 1: key 'text' holds int"),
    ],
)
def test_bad_lines_name_file_line_and_key_never_the_text(tmp_path, content, match):
    source = tmp_path / "bad.jsonl"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError, match=match) as caught:
        run_detect(source, "text", io.StringIO())
    assert "bad.jsonl" in str(caught.value)
    assert "Jane" not in str(caught.value) and "12345" not in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(SourceError, match=r"missing\.jsonl: cannot read the file"):
        run_detect(tmp_path / "missing.jsonl", "text", io.StringIO())


def test_cli_detect(tmp_path):
    source = write_jsonl(tmp_path / "notes.jsonl", NOTES[:2])
    result = CliRunner().invoke(app, ["detect", str(source)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == [1, "b"]
    assert ("Okonkwo", "PERSON") in found(NOTES[0]["text"], lines[0]["spans"])


def test_cli_detect_bad_input_exits_with_source_error(tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": 1}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["detect", str(source), "--field", "note"])
    assert result.exit_code == SourceError.exit_code
    assert "missing key 'note'" in result.output
