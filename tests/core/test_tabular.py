"""core.tabular: the one reader/writer of spreadsheets (tablib for .xlsx, the csv module for CSV)."""

import io

import pytest

from core import tabular
from core.errors import DomainError


class Upload(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


def test_csv_records_keep_each_row_s_line_and_name_values_beyond_the_header():
    text = '\ufeffa,b,c\n1,"two\nlines",3\n\n4,5\n6,7,8,9\n'
    header, records = tabular.csv_records(text)
    assert header == ["a", "b", "c"]  # the byte-order mark is not part of the first column's name
    assert [r.line for r in records] == [3, 5, 6]  # the line where each row ends; the blank line is skipped
    assert records[0].values == {"a": "1", "b": "two\nlines", "c": "3"}
    assert records[1].values == {"a": "4", "b": "5", "c": None} and records[1].extra == []
    assert records[2].extra == ["9"]


def test_an_xlsx_written_here_reads_back_with_its_blank_rows_in_place():
    data = tabular.xlsx_bytes(["姓名", "手机"], [["张三", 13800000000], ["", ""], ["李四", None]], title="t")
    rows = tabular.upload_rows(Upload(data, "contacts.XLSX"))
    assert rows == [["姓名", "手机"], ["张三", "13800000000"], ["", ""], ["李四", ""]]


def test_csv_uploads_keep_blank_rows_so_row_numbers_are_the_sheet_s():
    rows = tabular.upload_rows(Upload("姓名\n张三\n\n李四\n".encode("utf-8-sig"), "c.csv"))
    assert rows == [["姓名"], ["张三"], [], ["李四"]]


def test_the_csv_export_opens_in_excel_as_utf8():
    text = tabular.csv_text(["title", "n"], [["撤离", 1], ["a,b", None]])
    assert text == '\ufefftitle,n\r\n撤离,1\r\n"a,b",\r\n'


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"garbage", "x.xlsx", "readable Excel"),
    ("姓名".encode("gbk"), "x.csv", "UTF-8"),
    (b"a,b", "x.txt", ".csv or .xlsx"),
])
def test_unreadable_uploads_are_a_domain_error_saying_what_to_fix(data, name, message):
    with pytest.raises(DomainError, match=message):
        tabular.upload_rows(Upload(data, name))
