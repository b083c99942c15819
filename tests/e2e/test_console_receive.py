"""The Receive form in the console: it starts at zero, `submit SKU=3` receives only that SKU,
and `submit +everything` receives all that is still to come."""

from __future__ import annotations

from tests.e2e.test_console_repl import console, env  # noqa: F401 (env is a fixture)


def test_typing_one_sku_receives_it_alone_and_everything_receives_the_rest(
    env: dict[str, str],  # noqa: F811
) -> None:
    with console(env) as terminal:
        terminal.line("/backorders raise Velo Parts Ltd")
        terminal.expect(r"\[Approve\] \[Adjust\] \[Hold\]")
        terminal.line("press Approve")
        terminal.expect(r"PO-0001[^\[]*\[Receive\]")
        terminal.line("press Receive")
        terminal.expect(r"BK-PADS-DISC · [^\n]*: 0  \(6 still to come of 6 ordered\)")
        terminal.line("submit BK-PADS-DISC=3")
        terminal.expect(r"📦 Received BK-PADS-DISC x3\.")
        terminal.line("press Receive")
        terminal.expect(r"BK-PADS-DISC · [^\n]*: 0  \(3 still to come of 6 ordered\)")
        terminal.expect(r"BK-TUBE-26 · [^\n]*: 0  \(12 still to come of 12 ordered\)")
        terminal.line("submit +everything")
        terminal.expect(r"📦 Received BK-PADS-DISC x3, BK-TUBE-26 x12, BK-TUBE-700 x12\.")
        terminal.line("/backorders pos")
        terminal.expect(r"No open purchase orders\.")
