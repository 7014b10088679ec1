"""Parquet written a row group per batch, with one schema for the whole file.

Each batch is converted to Arrow as pandas would (its metadata kept, so pandas reads the
categories back as categories) and cast to the first batch's schema, whose dictionary columns
take 32-bit indices: a later batch with more categories than the first still fits.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def _schema(table: pa.Table) -> pa.Schema:
    """``table``'s schema with text as large strings, dictionaries with 32-bit indices and no
    column of the null type (a column with no value yet is text)."""
    fields = []
    for f in table.schema:
        kind = f.type
        if pa.types.is_dictionary(kind):
            kind = pa.dictionary(pa.int32(), pa.large_string())
        elif pa.types.is_null(kind) or pa.types.is_string(kind):
            kind = pa.large_string()
        fields.append(pa.field(f.name, kind))
    return pa.schema(fields, metadata=table.schema.metadata)


class ParquetFile:
    """A Parquet file written a batch (a row group) at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def write(self, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._schema = _schema(table)
            self._writer = pq.ParquetWriter(str(self.path), self._schema)
        assert self._schema is not None
        if len(table):
            self._writer.write_table(table.cast(self._schema), row_group_size=len(table))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
