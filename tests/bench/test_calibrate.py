"""The calibration table counts what users see, and what they would see from weights fitted elsewhere."""

from __future__ import annotations

from bench.calibrate import Item, seen_table


def test_closest_counts_as_declined_and_the_held_out_columns_are_their_own() -> None:
    items = [
        Item("lib", "q1", ["d1"], "answerable", outcome="confident", cited=["d1"], held_outcome="closest"),
        Item(
            "lib",
            "q2",
            ["d2"],
            "answerable",
            outcome="closest",
            cited=["d2"],
            held_outcome="confident",
            held_cited=["d3"],
        ),
        Item("lib", "q3", [], "near", outcome="confident", held_outcome="decline"),
        Item("lib", "q4", [], "off", outcome="decline", held_outcome="confident"),
    ]
    (row,) = seen_table(items, held=True)
    assert row["hit@1"] == 0.5 and row["declined"] == 0.5 and row["closest"] == 0.5
    assert row["near_answered"] == 1.0 and row["off_answered"] == 0.0
    # Held out: q1 shown as closest (declined), q2 confident but citing the wrong document.
    assert row["held: declined"] == 0.5 and row["held: hit@1"] == 0.0
    assert row["held: near ans."] == 0.0 and row["held: off ans."] == 1.0
