"""The matching model on Spark (`bordermonitor link ... --engine spark`).

The same Splink settings (comparisons and trained m/u) run through Splink's `SparkAPI`
instead of DuckDB, for record sets too large for one machine.  Only where the SQL runs
changes: `model.LinkModel._linker` asks this module for the database API and hands it
the same prepared frames, converted to Spark DataFrames.

Names are compared by the very function DuckDB uses, `model.name_key_level`,
registered in Spark as the Python UDF `bm_name_level`: re-writing the name levels in
Spark SQL would give a second implementation that drifts from `model.name_agreement`
(variant tables, missing parts, any order), and the results must not depend on the
engine.  The price is that Spark's executors run Python: they need the same Python
environment with bordermonitor installed (`pip install 'bordermonitor[spark]'`).

Where Spark runs is read from the environment:

- `BM_SPARK_MASTER`: the master URL, e.g. `spark://host:7077`, `yarn`,
  `k8s://https://host:6443`; default `local[2]` (this machine, two cores).
- `BM_SPARK_CHECKPOINT_DIR`: where Splink writes intermediate tables as Parquet to cut
  Spark's lineage (Splink's default for Spark); on a cluster a directory every node
  reaches (HDFS, S3, NFS), required there.  In local mode it defaults to a private
  temporary directory removed when the process ends.  These tables hold name keys:
  point it at storage as protected as the input files.
- `BM_SPARK_SHUFFLE_PARTITIONS`: `spark.sql.shuffle.partitions`; default 8 in local
  mode (Spark's own 200 only slows small inputs), Spark's default on a cluster.

Other Spark settings (memory, executors) go where Spark reads them already:
`spark-defaults.conf` under `SPARK_CONF_DIR`, or `PYSPARK_SUBMIT_ARGS`.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import shutil
import sys
import tempfile
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from bordermonitor.linkage.model import name_key_level

DEFAULT_MASTER = "local[2]"
LOCAL_SHUFFLE_PARTITIONS = 8
APP_NAME = "bordermonitor-link"
# Checkpoint directories this process made (local mode): they hold name keys.
_TEMPORARY: list[str] = []


def master() -> str:
    """The Spark master URL in use (`BM_SPARK_MASTER`, else local mode)."""
    return os.environ.get("BM_SPARK_MASTER", "").strip() or DEFAULT_MASTER


def check_settings() -> str:
    """The checkpoint directory to use ("" for a temporary one); ValueError naming the
    variable when the environment is incomplete or malformed."""
    _shuffle_partitions()
    checkpoints = os.environ.get("BM_SPARK_CHECKPOINT_DIR", "").strip()
    if not checkpoints and not master().startswith("local"):
        raise ValueError(
            f"BM_SPARK_MASTER={master()}: set BM_SPARK_CHECKPOINT_DIR to a directory all "
            "Spark nodes reach (hdfs://..., s3a://..., a shared mount)"
        )
    return checkpoints


def _shuffle_partitions() -> int | None:
    value = os.environ.get("BM_SPARK_SHUFFLE_PARTITIONS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"BM_SPARK_SHUFFLE_PARTITIONS: {value!r} is not a positive number")
        return int(value)
    return LOCAL_SHUFFLE_PARTITIONS if master().startswith("local") else None


@cache
def spark_session() -> Any:
    """One Spark session per process, with `bm_name_level` registered."""
    try:
        from pyspark.sql import SparkSession
        from pyspark.sql.types import IntegerType
    except ImportError:
        raise RuntimeError(
            "--engine spark needs pyspark: pip install 'bordermonitor[spark]' "
            "(and a Java runtime, e.g. Debian's openjdk-17-jre-headless)"
        ) from None
    # py4j logs every command it sends to the JVM at DEBUG: noise, and a risk of
    # carrying record values into logs
    logging.getLogger("py4j").setLevel(logging.WARNING)
    url = master()
    builder = (
        SparkSession.builder.master(url)
        .appName(APP_NAME)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")  # the CLI reports its own
        # plain pickled rows: no pyarrow needed, and the UDF sees Python strings
        .config("spark.sql.execution.arrow.pyspark.enabled", "false")
        .config("spark.sql.execution.pythonUDF.arrow.enabled", "false")
    )
    partitions = _shuffle_partitions()
    if partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(partitions))
    if url.startswith("local"):
        # the executors are this machine: run them with this interpreter (and its
        # packages; pyspark reads PYSPARK_PYTHON, not its conf, when it starts them),
        # and keep the web UI's port closed
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = builder.config("spark.ui.enabled", "false")
    checkpoints = check_settings()
    if url.startswith("local"):
        # a private scratch directory, removed at the end, rather than spark-warehouse/
        # in the working directory
        scratch = tempfile.mkdtemp(prefix="bm-spark-")
        _TEMPORARY.append(scratch)
        atexit.register(_remove_temporary)
        builder = builder.config("spark.sql.warehouse.dir", os.path.join(scratch, "warehouse"))
        checkpoints = checkpoints or os.path.join(scratch, "checkpoints")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(checkpoints)
    spark.udf.register("bm_name_level", name_key_level, IntegerType())
    return spark


def stop() -> None:
    """Stop the shared Spark session (the next `spark_session` starts a new one) and
    remove the intermediate tables it wrote to its own temporary directory."""
    if spark_session.cache_info().currsize:
        spark_session().stop()
        spark_session.cache_clear()
    _remove_temporary()


def _remove_temporary() -> None:
    while _TEMPORARY:
        shutil.rmtree(_TEMPORARY.pop(), ignore_errors=True)


def database_api(frames: list[Any]) -> tuple[Any, list[Any]]:
    """Splink's SparkAPI on the shared session, and the prepared frames as Spark frames."""
    from splink import SparkAPI

    spark = spark_session()
    partitions = int(spark.conf.get("spark.sql.shuffle.partitions"))
    api = SparkAPI(
        spark_session=spark,
        break_lineage_method="parquet",  # into the checkpoint directory
        num_partitions_on_repartition=max(1, partitions // 2),
        # Splink's own Scala similarity functions are not used by our comparisons
        register_udfs_automatically=False,
    )
    return api, [to_spark(spark, frame) for frame in frames]


def _spark_type(series: Any) -> Any:
    """The Spark type of one prepared column (pandas dtype, else its first value)."""
    from pyspark.sql import types as T

    if pd.api.types.is_bool_dtype(series.dtype):
        return T.BooleanType()
    if pd.api.types.is_integer_dtype(series.dtype):
        return T.LongType()
    if pd.api.types.is_float_dtype(series.dtype):
        return T.DoubleType()
    sample = next((v for v in series if _plain(v) is not None), None)
    if isinstance(sample, list):
        return T.ArrayType(T.StringType())
    if isinstance(sample, dt.date):
        return T.DateType()
    return T.StringType()


def _plain(value: Any) -> Any:
    """A cell as a plain Python value; missing values (NA, NaN, NaT) as None."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v) for v in value]
    if pd.isna(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def to_spark(spark: Any, frame: Any) -> Any:
    """A prepared pandas frame as a Spark DataFrame with explicit column types.

    Spark's own inference trips over pandas' nullable integers and empty lists, so the
    schema is stated; the conversion runs on the driver, like `model.prepare`.
    """
    from pyspark.sql import types as T

    schema = T.StructType(
        [T.StructField(str(c), _spark_type(frame[c]), nullable=True) for c in frame.columns]
    )
    rows = [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False, name=None)]
    return spark.createDataFrame(rows, schema=schema, verifySchema=False)
