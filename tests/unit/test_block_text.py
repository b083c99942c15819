"""Block Kit read back as terminal text: what the console prints for each kind of block."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)

from handlers.blocks.message import (
    MAX_BLOCKS,
    Message,
    build,
    clip,
    context,
    field_sections,
    fit_lines,
    section,
)
from handlers.blocks.text import readable, to_text


def message(*blocks: Block) -> Message:
    return Message(text="fallback", blocks=[block.to_dict() for block in blocks])


def test_a_header_is_underlined_to_its_own_length() -> None:
    text = to_text(message(HeaderBlock(text="Open backorders")))
    assert text == "Open backorders\n───────────────"


def test_fields_read_as_label_and_value() -> None:
    block = SectionBlock(fields=[MarkdownTextObject(text="*Free stock*\n3 units")])
    assert to_text(message(block)) == "Free stock: 3 units"


def test_mrkdwn_markers_are_dropped_but_code_keeps_its_underscores() -> None:
    assert readable("*bold* _italic_ ~gone~ `SNAKE_CASE_SKU`") == "bold italic gone SNAKE_CASE_SKU"
    assert readable("*Ask me with `/backorders`:*") == "Ask me with /backorders:"
    assert readable("2 * 3 * 4 and file_name_here") == "2 * 3 * 4 and file_name_here"


def test_links_mentions_and_entities_become_readable() -> None:
    assert readable("<https://shop.test/orders/1|order 1> for <@U012> in <#C0PURCHASE>") == (
        "order 1 for @U012 in #C0PURCHASE"
    )
    assert readable("<#C1|purchasing> <!here> <mailto:a@b.test>") == "#purchasing @here a@b.test"
    assert readable("Nuts &amp; &lt;bolts&gt; &amp;lt;") == "Nuts & <bolts> &lt;"


def test_context_is_indented_and_joined_with_dots() -> None:
    block = ContextBlock(elements=[MarkdownTextObject(text="*Ada*"), PlainTextObject(text="today")])
    assert to_text(message(block)) == "  Ada · today"


def test_a_divider_is_a_blank_line_and_sections_are_set_apart() -> None:
    text = to_text(message(SectionBlock(text="one"), DividerBlock(), SectionBlock(text="two")))
    assert text == "one\n\ntwo"
    assert to_text(message(SectionBlock(text="one"), SectionBlock(text="two"))) == "one\n\ntwo"


def test_buttons_read_as_bracketed_labels() -> None:
    buttons = [
        ButtonElement(text=label, action_id=label.lower())
        for label in ("Approve", "Adjust", "Hold")
    ]
    assert to_text(message(ActionsBlock(elements=buttons))) == "[Approve] [Adjust] [Hold]"


def test_an_input_shows_its_label() -> None:
    block = InputBlock(label="Note for the supplier", element=PlainTextInputElement(action_id="n"))
    assert to_text(message(block)) == "Note for the supplier"


def test_a_message_without_blocks_falls_back_to_its_text() -> None:
    assert to_text(Message(text="Order #1002 is ready to ship", blocks=[])) == (
        "Order #1002 is ready to ship"
    )


def test_more_than_50_blocks_keep_the_first_49_and_count_the_rest() -> None:
    built = build("many", [section(f"line {i}") for i in range(120)])
    assert len(built.blocks) == MAX_BLOCKS
    assert built.blocks[48]["text"]["text"] == "line 48"
    assert built.blocks[-1]["elements"][0]["text"] == (
        "…and 71 more. Ask `/backorders export` for the full workbook."
    )


def test_the_overflow_wording_is_the_callers_and_the_footer_always_stays() -> None:
    built = build(
        "many",
        [section(f"line {i}") for i in range(60)],
        overflow="…and {n} more orders.",
        footer=[section("Total: 60")],
    )
    assert len(built.blocks) == MAX_BLOCKS
    assert to_text(built).splitlines()[-2:] == ["  …and 12 more orders.", "Total: 60"]


def test_exactly_50_blocks_are_kept_whole() -> None:
    built = build("fifty", [section(f"line {i}") for i in range(50)])
    assert [b["text"]["text"] for b in built.blocks][-1] == "line 49"


def test_section_text_fields_and_context_are_cut_to_slacks_limits() -> None:
    assert len(section("x" * 5000).to_dict()["text"]["text"]) == 3000
    sections = field_sections([(f"Label {i}", "v" * 2500) for i in range(12)])
    assert [len(s.fields) for s in sections] == [10, 2]
    assert all(len(f.text) == 2000 for s in sections for f in s.fields)
    assert len(context(*["a"] * 12).elements) == 10


def test_cutting_text_never_splits_an_escape_or_a_link() -> None:
    assert clip("ab &amp; cd", 7) == "ab …"
    assert clip("see <https://x.test|x> now", 10) == "see …"


def test_long_lists_keep_whole_lines_and_count_the_rest() -> None:
    lines = [f"#{1000 + i} · `SKU-{i}` waiting" for i in range(500)]
    text = fit_lines(lines, 3000, "…and {n} more lines.")
    assert len(text) <= 3000
    kept = text.splitlines()
    assert kept[-1] == f"…and {500 - (len(kept) - 1)} more lines."
    assert kept[:-1] == lines[: len(kept) - 1]
