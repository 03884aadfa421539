"""yiwang classifier {train,evaluate,rollback,list,predict}: the case classifier's versions.

    yiwang classifier train --data CSV [--holdout 0.2 | --no-holdout] [--no-activate] [--json]
    yiwang classifier train --from-cases [--data CSV] [...]   (closed cases + corrections, plus the CSV)
    yiwang classifier evaluate --data CSV [--json] [--version N]
    yiwang classifier rollback --version N
    yiwang classifier list [--json]
    yiwang classifier predict --text TEXT [--title TITLE]

CSV columns: id,title,text,label (as data/messages/train.csv; extra columns are ignored).
Exit status: 0 done; 2 unusable CSV (missing file, columns, labels); 3 no trained model or no such
version.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from yiwang.classify import error_codes, selectors, services
from yiwang.classify.pipeline import DataError, evaluate, read_rows
from yiwang.core.errors import ApplicationError

EXIT = {error_codes.BAD_DATA: 2, error_codes.NOT_TRAINED: 3, error_codes.VERSION_NOT_FOUND: 3}


def _fail(exc: ApplicationError) -> CommandError:
    return CommandError(str(exc.message), returncode=EXIT.get(exc.code, 1))


class Command(BaseCommand):
    help = "Train, evaluate, list and roll back the case classifier (see docs/classifier.md)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{train,evaluate,rollback,list,predict}"
        )

        train = sub.add_parser("train", help="fit a new version on a labelled CSV and activate it")
        train.add_argument("--data", help="CSV with columns id,title,text,label")
        train.add_argument(
            "--from-cases",
            action="store_true",
            help="also train on closed cases (their category) and every category correction people "
            "made at the desks (the corrected label wins)",
        )
        train.add_argument(
            "--holdout",
            type=float,
            default=0.2,
            help="fraction held out (stratified, duplicate-aware) to measure and calibrate before the "
            "final fit on all rows (default 0.2)",
        )
        train.add_argument("--no-holdout", action="store_true", help="skip the held-out measurement")
        train.add_argument(
            "--no-activate", action="store_true", help="store the version without activating it"
        )
        train.add_argument("--json", action="store_true", help="print one JSON object")

        ev = sub.add_parser("evaluate", help="measure the active model (or --version) on a labelled CSV")
        ev.add_argument("--data", required=True)
        ev.add_argument("--version", type=int, help="a stored version instead of the active one")
        ev.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")

        rb = sub.add_parser("rollback", help="activate an earlier (or any stored) version")
        rb.add_argument("--version", type=int, required=True)

        ls = sub.add_parser("list", help="stored versions, newest first")
        ls.add_argument("--json", action="store_true")

        pr = sub.add_parser("predict", help="classify one message with the active model")
        pr.add_argument("--text", required=True)
        pr.add_argument("--title", default="")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ApplicationError as exc:
            raise _fail(exc) from None

    # -- actions --------------------------------------------------------------------------------

    def _train(self, *, data, from_cases, holdout, no_holdout, no_activate, json=False, **_):
        if not data and not from_cases:
            raise CommandError("give --data CSV, --from-cases, or both", returncode=2)
        rows = services.rows_from_csv(data) if data else []
        if not no_holdout and not 0 < holdout < 1:
            raise CommandError("--holdout must be between 0 and 1", returncode=2)
        if not json:
            self.stderr.write(
                f"training on {len(rows)} rows from {data or '-'}{' and the cases' if from_cases else ''} ..."
            )
        holdout = None if no_holdout else holdout
        if from_cases:
            record = services.classifier_train_from_cases(
                base_rows=rows, base_source=str(data or ""), holdout=holdout, activate=not no_activate
            )
        else:
            record = services.classifier_train(
                rows=rows, source=str(data), holdout=holdout, activate=not no_activate
            )
        summary = {
            "version": record.version,
            "active": record.is_active,
            "n_rows": record.n_rows,
            "data_fingerprint": record.data_fingerprint,
            "train_seconds": record.metrics.get("train_seconds"),
            "data_source": record.data_source,
            "sources": record.metrics.get("sources"),
            "holdout": record.metrics.get("holdout"),
        }
        if json:
            self.stdout.write(_dumps(summary))
            return
        self.stdout.write(
            f"classifier v{record.version} saved{' and activated' if record.is_active else ''} "
            f"({record.n_rows} rows, {summary['train_seconds']} s)"
        )
        if summary["sources"]:
            src = summary["sources"]
            self.stdout.write(
                f"  from {src['base_rows']} CSV rows, {src['closed_cases']} closed cases and "
                f"{src['corrections']} corrections ({src['rows']} rows after removing copies)"
            )
        if summary["holdout"]:
            self.stdout.write(f"held-out {summary['holdout']['fraction']:.0%} (duplicate-aware split):")
            self._print_metrics(summary["holdout"])

    def _evaluate(self, *, data, version=None, json=False, **_):
        try:
            rows = read_rows(data)
        except DataError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if version is None:
            version, model = selectors.loaded_active_model()
        else:
            model = selectors.model_for_version(version)
        result = evaluate(
            model, [r["title"] for r in rows], [r["text"] for r in rows], [r["label"] for r in rows]
        )
        result = {"model_version": version, **result}
        if json:
            self.stdout.write(_dumps(result))
        else:
            self.stdout.write(f"classifier v{version} on {data}:")
            self._print_metrics(result)

    def _rollback(self, *, version, **_):
        record = services.classifier_activate(version=version)
        self.stdout.write(f"classifier v{record.version} is active")

    def _list(self, *, json=False, **_):
        items = [
            {
                "version": r.version,
                "active": r.is_active,
                "created_at": r.created_at.isoformat(),
                "n_rows": r.n_rows,
                "data_source": r.data_source,
                "data_fingerprint": r.data_fingerprint,
                "holdout_macro_f1": (r.metrics.get("holdout") or {}).get("macro_f1"),
                "method": r.method,
            }
            for r in selectors.classifier_list()
        ]
        if json:
            self.stdout.write(_dumps(items))
            return
        if not items:
            self.stdout.write("no classifier trained yet")
        for it in items:
            f1 = "-" if it["holdout_macro_f1"] is None else f"{it['holdout_macro_f1']:.4f}"
            self.stdout.write(
                f"{'*' if it['active'] else ' '} v{it['version']:<4} {it['created_at'][:19]}  rows={it['n_rows']:<6} "
                f"holdout_macro_f1={f1}  {it['data_source']}"
            )

    def _predict(self, *, text, title="", **_):
        self.stdout.write(_dumps(selectors.predict(text, title=title)))

    def _print_metrics(self, m):
        self.stdout.write(
            f"  accuracy {m['accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}  "
            f"{m['ms_per_message']:.2f} ms/message  n={m['n']}"
        )
        for label, s in m["per_label"].items():
            self.stdout.write(
                f"  {label}\tP {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  n={s['support']}"
            )


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":") if not sys.stdout.isatty() else None)
