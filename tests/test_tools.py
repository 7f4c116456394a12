"""The @tool decorator (schema from signature + docstring) and Toolkit.call's error handling."""

from __future__ import annotations

import json
from typing import Literal

import pytest
from pydantic import BaseModel

from frontdesk.tools import (
    ToolCall,
    ToolDefinitionError,
    ToolError,
    ToolErrorKind,
    ToolKind,
    Toolkit,
    tool,
)

# --- a tiny library domain -------------------------------------------------------------------


class Book(BaseModel):
    isbn: str
    title: str
    lent_to: str | None = None
    days: int = 0


class Library(BaseModel):
    books: dict[str, Book]
    log: list[str] = []


def fresh_library() -> Library:
    return Library(
        books={
            "111": Book(isbn="111", title="Dune"),
            "222": Book(isbn="222", title="Emma", lent_to="bob", days=7),
        }
    )


@tool(kind="read")
def get_book(db: Library, isbn: str) -> Book:
    """Look up a book by its ISBN.

    Args:
        isbn: The book's ISBN, e.g. "111".
    """
    if isbn not in db.books:
        raise ToolError(f"no book with ISBN {isbn!r}")
    return db.books[isbn]


@tool(kind="write")
def lend_book(
    db: Library,
    isbn: str,
    borrower: str,
    days: int = 14,
    medium: Literal["paper", "ebook"] = "paper",
) -> dict:
    """Lend a book to a borrower.

    Only books that are on the shelf can be lent.

    Args:
        isbn: The book's ISBN.
        borrower (str): Who borrows the book.
        days: How long the loan lasts,
            in days.
        medium: Paper copy or ebook.
    """
    book = db.books[isbn]
    db.log.append(f"lend {isbn}")  # changes state before the rule check on purpose
    if book.lent_to is not None:
        raise ToolError(f"book {isbn} is already lent to {book.lent_to}")
    book.lent_to = borrower
    book.days = days
    return {"isbn": isbn, "lent_to": borrower, "days": days, "medium": medium}


@tool(kind="write")
def wipe_then_crash(db: Library, isbn: str) -> str:
    """Remove a book, then fail with a bug.

    Args:
        isbn: The book's ISBN.
    """
    del db.books[isbn]
    db.log.append("wiped")
    raise RuntimeError("database handle went away")


@tool(kind="generic")
def echo(db: Library, text: str) -> str:
    """Return the text unchanged.

    Args:
        text: Any text.
    """
    return text


@tool(kind="write")
def lend_and_return_unserialisable(db: Library, isbn: str) -> dict:
    """Lend a book, then return a value that JSON cannot encode.

    Args:
        isbn: The book's ISBN.
    """
    db.books[isbn].lent_to = "ghost"
    return {("tuple", "key"): 1}


TOOLS = [get_book, lend_book, wipe_then_crash, echo]


def call(toolkit: Toolkit, name: str, arguments: str | dict | None = None) -> object:
    return toolkit.call(ToolCall(id="call-1", name=name, arguments={} if arguments is None else arguments))


@pytest.fixture
def db() -> Library:
    return fresh_library()


@pytest.fixture
def toolkit(db: Library) -> Toolkit:
    return Toolkit(TOOLS, db)


# --- schema generation ---------------------------------------------------------------------------


def test_description_is_docstring_summary_joined_into_one_line() -> None:
    assert lend_book.description == "Lend a book to a borrower. Only books that are on the shelf can be lent."


def test_tool_name_and_kind_come_from_function_and_decorator() -> None:
    assert lend_book.name == "lend_book"
    assert lend_book.kind is ToolKind.WRITE
    assert get_book.kind is ToolKind.READ


def test_name_override() -> None:
    @tool(kind="read", name="lookup")
    def some_function(db: Library, isbn: str) -> str:
        """Look something up.

        Args:
            isbn: The ISBN.
        """
        return isbn

    assert some_function.name == "lookup"
    assert some_function.openai_schema()["function"]["name"] == "lookup"


def test_first_parameter_db_is_not_in_schema() -> None:
    assert "db" not in lend_book.parameters["properties"]
    assert list(lend_book.parameters["properties"]) == ["isbn", "borrower", "days", "medium"]


def test_schema_is_a_closed_object() -> None:
    assert lend_book.parameters["type"] == "object"
    assert lend_book.parameters["additionalProperties"] is False


def test_arguments_with_defaults_are_not_required() -> None:
    assert lend_book.parameters["required"] == ["isbn", "borrower"]
    assert lend_book.parameters["properties"]["days"]["default"] == 14
    assert lend_book.parameters["properties"]["medium"]["default"] == "paper"


def test_property_types_follow_type_hints() -> None:
    props = lend_book.parameters["properties"]
    assert props["isbn"]["type"] == "string"
    assert props["days"]["type"] == "integer"


def test_literal_becomes_enum() -> None:
    assert lend_book.parameters["properties"]["medium"]["enum"] == ["paper", "ebook"]


def test_descriptions_come_from_args_section() -> None:
    props = lend_book.parameters["properties"]
    assert props["isbn"]["description"] == "The book's ISBN."
    assert props["borrower"]["description"] == "Who borrows the book."  # "(str)" type note dropped
    assert props["days"]["description"] == "How long the loan lasts, in days."  # continuation line joined
    assert props["medium"]["description"] == "Paper copy or ebook."


def test_schema_has_no_pydantic_titles() -> None:
    assert "title" not in json.dumps(lend_book.parameters)


def test_openai_schema_shape() -> None:
    schema = get_book.openai_schema()
    assert schema["type"] == "function"
    assert schema["function"]["name"] == "get_book"
    assert schema["function"]["description"] == "Look up a book by its ISBN."
    assert schema["function"]["parameters"] is get_book.parameters


def test_calling_a_tool_directly_runs_the_function(db: Library) -> None:
    assert get_book(db, "111").title == "Dune"


# --- definition-time errors ----------------------------------------------------------------------


def test_missing_type_hint_is_refused() -> None:
    with pytest.raises(ToolDefinitionError, match="'isbn' needs a type hint"):

        @tool(kind="read")
        def no_hint(db: Library, isbn) -> str:  # type: ignore[no-untyped-def]
            """Do something.

            Args:
                isbn: The ISBN.
            """
            return ""


def test_undocumented_argument_is_refused() -> None:
    with pytest.raises(ToolDefinitionError, match="'borrower' is not described"):

        @tool(kind="write")
        def half_documented(db: Library, isbn: str, borrower: str) -> str:
            """Do something.

            Args:
                isbn: The ISBN.
            """
            return ""


def test_documenting_a_nonexistent_argument_is_refused() -> None:
    with pytest.raises(ToolDefinitionError, match="unknown arguments.*'colour'"):

        @tool(kind="read")
        def over_documented(db: Library, isbn: str) -> str:
            """Do something.

            Args:
                isbn: The ISBN.
                colour: Not a parameter.
            """
            return ""


def test_missing_docstring_is_refused() -> None:
    with pytest.raises(ToolDefinitionError, match="'undocumented'.*docstring"):

        @tool(kind="read")
        def undocumented(db: Library, isbn: str) -> str:
            return ""


def test_bad_kind_is_refused_and_allowed_kinds_listed() -> None:
    with pytest.raises(ToolDefinitionError, match="kind 'delete'.*read, write, think, generic"):

        @tool(kind="delete")
        def remove(db: Library, isbn: str) -> str:
            """Remove a book.

            Args:
                isbn: The ISBN.
            """
            return ""


def test_var_keyword_arguments_are_refused() -> None:
    with pytest.raises(ToolDefinitionError, match=r"\*args/\*\*kwargs"):

        @tool(kind="read")
        def anything(db: Library, **kwargs: str) -> str:
            """Take anything.

            Args:
                kwargs: Whatever.
            """
            return ""


def test_tool_without_db_parameter_is_refused() -> None:
    with pytest.raises(ToolDefinitionError, match="first parameter must be the database"):

        @tool(kind="read")
        def no_params() -> str:
            """Do nothing."""
            return ""


def test_toolkit_refuses_two_tools_with_the_same_name(db: Library) -> None:
    with pytest.raises(ValueError, match="'get_book'"):
        Toolkit([get_book, get_book], db)


# --- Toolkit.call: every failure is a ToolResult ---------------------------------------------------


def test_successful_call_returns_json_of_the_result(toolkit: Toolkit, db: Library) -> None:
    result = call(toolkit, "lend_book", {"isbn": "111", "borrower": "ann"})
    assert result.ok and result.error is None
    assert result.call_id == "call-1" and result.name == "lend_book"
    assert json.loads(result.content) == {"isbn": "111", "lent_to": "ann", "days": 14, "medium": "paper"}
    assert db.books["111"].lent_to == "ann"


def test_pydantic_result_is_serialised_as_json(toolkit: Toolkit) -> None:
    result = call(toolkit, "get_book", '{"isbn": "222"}')
    assert result.ok
    assert json.loads(result.content) == {"isbn": "222", "title": "Emma", "lent_to": "bob", "days": 7}


def test_string_result_is_returned_verbatim(toolkit: Toolkit) -> None:
    result = call(toolkit, "echo", {"text": 'say "hi"'})
    assert result.ok
    assert result.content == 'say "hi"'


def test_unknown_tool_lists_available_tools(toolkit: Toolkit) -> None:
    result = call(toolkit, "burn_book", {"isbn": "111"})
    assert result.error is ToolErrorKind.UNKNOWN_TOOL
    assert not result.ok
    assert "'burn_book'" in result.content
    assert "echo, get_book, lend_book, wipe_then_crash" in result.content


def test_unparseable_json_arguments(toolkit: Toolkit) -> None:
    result = call(toolkit, "get_book", '{"isbn": "111"')
    assert result.error is ToolErrorKind.BAD_JSON
    assert "not valid JSON" in result.content
    assert "'get_book'" in result.content


@pytest.mark.parametrize(("arguments", "type_name"), [("[1, 2]", "list"), ('"111"', "str"), ("42", "int")])
def test_arguments_that_are_not_an_object(toolkit: Toolkit, arguments: str, type_name: str) -> None:
    result = call(toolkit, "get_book", arguments)
    assert result.error is ToolErrorKind.INVALID_ARGUMENTS
    assert "must be a JSON object" in result.content
    assert type_name in result.content


def test_missing_required_argument_is_named(toolkit: Toolkit) -> None:
    result = call(toolkit, "lend_book", {"isbn": "111"})
    assert result.error is ToolErrorKind.INVALID_ARGUMENTS
    assert "missing required argument 'borrower'" in result.content
    assert "'isbn'" not in result.content


def test_empty_argument_string_counts_as_no_arguments(toolkit: Toolkit) -> None:
    result = call(toolkit, "get_book", "  ")
    assert result.error is ToolErrorKind.INVALID_ARGUMENTS
    assert "missing required argument 'isbn'" in result.content


def test_extra_argument_is_named_and_allowed_ones_listed(toolkit: Toolkit) -> None:
    result = call(toolkit, "lend_book", {"isbn": "111", "borrower": "ann", "colour": "red"})
    assert result.error is ToolErrorKind.INVALID_ARGUMENTS
    assert "'colour'" in result.content
    assert "allowed arguments: borrower, days, isbn, medium" in result.content


def test_wrong_type_names_the_argument(toolkit: Toolkit) -> None:
    result = call(toolkit, "lend_book", {"isbn": "111", "borrower": "ann", "days": "ten"})
    assert result.error is ToolErrorKind.INVALID_ARGUMENTS
    assert "argument 'days' must be of type integer" in result.content
    assert '"ten"' in result.content


def test_bool_is_not_accepted_for_an_integer(toolkit: Toolkit) -> None:
    result = call(toolkit, "lend_book", {"isbn": "111", "borrower": "ann", "days": True})
    assert result.error is ToolErrorKind.INVALID_ARGUMENTS
    assert "'days'" in result.content


def test_out_of_enum_value_lists_allowed_values(toolkit: Toolkit) -> None:
    result = call(toolkit, "lend_book", {"isbn": "111", "borrower": "ann", "medium": "audio"})
    assert result.error is ToolErrorKind.INVALID_ARGUMENTS
    assert "'medium'" in result.content
    assert '"audio"' in result.content
    assert '"paper", "ebook"' in result.content


def test_invalid_arguments_do_not_run_the_tool(toolkit: Toolkit, db: Library) -> None:
    before = db.model_dump()
    call(toolkit, "lend_book", {"isbn": "111", "borrower": "ann", "medium": "audio"})
    assert db.model_dump() == before


def test_domain_rule_message_is_passed_through(toolkit: Toolkit) -> None:
    result = call(toolkit, "lend_book", {"isbn": "222", "borrower": "ann"})
    assert result.error is ToolErrorKind.RULE
    assert result.content == "Error: book 222 is already lent to bob"


def test_rule_violation_in_write_tool_rolls_back(toolkit: Toolkit, db: Library) -> None:
    before = db.model_dump()
    result = call(toolkit, "lend_book", {"isbn": "222", "borrower": "ann"})
    assert result.error is ToolErrorKind.RULE
    assert db.model_dump() == before  # the log entry appended before the ToolError is gone
    assert db.log == []
    assert toolkit.db is db  # restored in place, not replaced


def test_unexpected_exception_is_a_crash(toolkit: Toolkit) -> None:
    result = call(toolkit, "wipe_then_crash", {"isbn": "111"})
    assert result.error is ToolErrorKind.CRASH
    assert "'wipe_then_crash'" in result.content
    assert "RuntimeError" in result.content
    assert "database handle went away" in result.content


def test_crash_in_write_tool_rolls_back(toolkit: Toolkit, db: Library) -> None:
    before = db.model_dump()
    call(toolkit, "wipe_then_crash", {"isbn": "111"})
    assert db.model_dump() == before
    assert "111" in db.books


def test_keyerror_inside_a_tool_is_a_crash_not_a_rule(toolkit: Toolkit) -> None:
    # A KeyError from inside the tool (not a ToolError) is a bug in the tool, not a rule.
    result = call(toolkit, "lend_book", {"isbn": "999", "borrower": "ann"})
    assert result.error is ToolErrorKind.CRASH
    assert "KeyError" in result.content


def test_successful_write_is_kept(toolkit: Toolkit, db: Library) -> None:
    call(toolkit, "lend_book", {"isbn": "111", "borrower": "ann", "days": 3, "medium": "ebook"})
    assert db.books["111"].lent_to == "ann"
    assert db.books["111"].days == 3
    assert db.log == ["lend 111"]


def test_rollback_works_for_a_plain_dict_db() -> None:
    @tool(kind="write")
    def set_and_fail(db: dict, key: str) -> str:
        """Set a key, then refuse.

        Args:
            key: The key.
        """
        db[key] = 1
        db["nested"]["x"] = 99
        raise ToolError("refused")

    db = {"nested": {"x": 1}}
    result = Toolkit([set_and_fail], db).call(ToolCall(id="1", name="set_and_fail", arguments={"key": "new"}))
    assert result.error is ToolErrorKind.RULE
    assert db == {"nested": {"x": 1}}


def test_unserialisable_result_is_a_crash_and_rolls_back(db: Library) -> None:
    # ToolResult's contract: a ToolCall always yields one; Toolkit.call never raises.
    toolkit = Toolkit([lend_and_return_unserialisable], db)
    before = db.model_dump()
    result = call(toolkit, "lend_and_return_unserialisable", {"isbn": "111"})
    assert result.error is ToolErrorKind.CRASH
    assert db.model_dump() == before


def test_generic_calculate_rounds_half_up_to_cents_exactly():
    from frontdesk.tools import AGENT_GENERIC_TOOLS

    kit = Toolkit(AGENT_GENERIC_TOOLS, db=None)

    def calc(expression: str) -> str:
        return kit.call(ToolCall(id="c", name="calculate", arguments={"expression": expression})).content

    assert calc("0.125 + 0") == "0.13"  # binary floats would give 0.12
    assert calc("1.005 * 1") == "1.01"
    assert calc("(49.99 + 12.5) - 3") == "59.49"
    assert calc("2 ** 8").startswith("Error: only numbers")
    assert kit.call(ToolCall(id="t", name="transfer_to_human_agents", arguments={"summary": "x"})).ok
    assert [t.kind for t in AGENT_GENERIC_TOOLS] == [ToolKind.GENERIC, ToolKind.THINK, ToolKind.GENERIC]
