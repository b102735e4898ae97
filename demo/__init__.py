"""The demo generator: a realistic platform export (messy variants included), loaded as the
built-in demo data set.

The `district` preset is 苏家屯区 with its real streets and villages, calibrated to the
seed figures of shared/domain.md: households registered ≈ 99.9 %, about 30 % of
residents active each month, a disclosure mix near party 6,832 / village 12,768 /
finance 13,714 a year, messages mostly answered the same day and cleared within 7 days.
Message volume is about three times the seed district's 336 a year, so that monthly
street rankings have samples to rank.

Villages misbehave in the ways inspectors look for (inaction, slow action, wrong action):
all round up to the data's end (`misconduct`), or in one scenario each, for a few months
anywhere in the span (`scenarios`, `padding`, `misconduct`); a near miss grows for real.
Their labels are written beside the export, never into it: `<export>.labels.csv`, and so
is the district's declared practice, `<export>.settings.csv` (for `etl load --settings`).
`<export>.manifest.json` says what the generator put in: the local practice, each
scenario's magnitudes, the rows generated and every bad row planted, so tests can check
the loader's accounting.

Modules, in the order an export is made: `practice` (a district's local constants),
`regions` (divisions, sizes, habits), `misconduct` and `scenarios` (who misbehaves, how,
when), `people` (administrators, accounts, visits), `padding` (the ranked figures padded,
and the near miss), `disclosures`, `messages` (messages and petitions), then `writers`
and `formats` (the files, as the platform writes them); `export` ties them together and
`build` loads the result as the demo database.
"""

from demo.build import build_demo, non_demo_loads
from demo.export import generate_export

__all__ = ["build_demo", "generate_export", "non_demo_loads"]
