"""The commented example configuration ``renkei pipeline init`` writes (see pipeline.config)."""

from harness.oneroster.disability import KINDS, c4th_suffix


def special_needs_terms() -> str:
    """``[special_needs.terms]`` lines dropping C4th's appended disability kind from titles.

    Generated from ``harness.oneroster.disability`` so the example, the scenarios and the
    benchmarks rename exactly the kinds the fixtures' C4th writes.
    """
    return "".join(f'"{c4th_suffix(k.term)}" = ""\n' for k in KINDS)


EXAMPLE_CONFIG = '''\
# renkei pipeline: one municipality's settings (TOML).
# Works out of the box against the mocks as `renkei mock up --all` starts them
# (c4th 8100, lgate 8101, m365 8102, interactive_study 8103), run from this file's folder:
#   renkei mock up --all &
#   curl -X POST -H 'Content-Type: application/json' http://127.0.0.1:8100/_admin/seed \\
#        -d '{"profile": "small", "seed": 1, "as_of": "2025-05-01"}'
#   renkei city generate --profile small --seed 1 --as-of 2025-05-01 --out city
#   export RENKEI_M365_CLIENT_SECRET=renkei-dev-secret
#   renkei pipeline run --config <this file> --dry-run      (then without --dry-run)
# The city generate step writes the board's ID・初期パスワード file for the same city.
# Relative paths are taken from the folder this file is in.
# Secrets are NEVER written here: a key ending in _env names the environment variable that
# holds the secret (a client_secret, token or password written here is a config error).

[municipality]
name = "サンプル市"            # shown in reports
board_code = "089901"          # 教育委員会コード (six digits)

[state]
path = "state/renkei.sqlite"   # SQLite (WAL): key map, snapshots, plans, run log, holds
keep_days = 90                 # keep received exports this many days ...
keep_count = 100               # ... and at most this many (for audit and replay)
# installation_salt = "..."    # made once at the first run and kept in the state; set it only
#                              # to move an installation (stable ids derive from it)

[source]
# C4th's base URL (GET <url>/oneroster/export returns the OneRoster bulk zip) ...
url = "http://127.0.0.1:8100"
# token_env = "RENKEI_C4TH_TOKEN"   # bearer token, if C4th asks for one
# ... or a folder C4th (or its RPA job) writes exports to; the newest file is taken.
# drop_dir = "drop"
# pattern = "RO_*.zip"
# ca_file = "mockstate/tls/ca.pem"  # any source or target: a CA to trust for https (here the
#                                   # local CA of `renkei mock up --tls --state mockstate`)

[targets.lgate]                # 学習eポータル: bulk import, initial passwords, read API
url = "http://127.0.0.1:8101"
# token_env = "RENKEI_LGATE_TOKEN"

[targets.m365]                 # Microsoft 365 (GIGA accounts) over Graph
graph_url = "http://127.0.0.1:8102"
tenant = "renkei"
client_id = "renkei-pipeline"
client_secret_env = "RENKEI_M365_CLIENT_SECRET"   # the mocks accept renkei-dev-secret
# token_url = "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token"
student_sku = "STANDARDWOFFPACK_STUDENT"  # the licence each pupil gets (skuPartNumber from
#                                          # /subscribedSkus, or a skuId); usageLocation is JP
# employee_id = "userMasterIdentifier"     # off by default: employeeId is shown to everyone
#                                          # in the tenant's address book, and Graph keeps at
#                                          # most 16 characters (longer ids are not sent)

[targets.drill]                # the drill app (インタラクティブスタディ): OneRoster delta
url = "http://127.0.0.1:8103"
# enabled = false              # any target can be switched off

[accounts]
# The board's ID・初期パスワード file: a path or a glob (all matches are read in name order; a
# later file replaces an earlier one only for the same pupil with the same GIGA id, and rows
# that disagree hold the pupils concerned, PL256). `renkei city generate` / `renkei city
# event` write one beside each export.
password_file = "city/exports/*/ID_PW_*.csv"
teachers = false               # teachers stay outside the flow (pilot §3.1)

[special_needs]
# Special-needs class titles must not name a disability (pilot §3.3.3). Exact titles first:
[special_needs.titles]
# "ひまわり1組（知的障害）" = "ひまわり1組"
# then text replaced anywhere in a title (here: C4th's appended disability kinds):
[special_needs.terms]
''' + special_needs_terms() + '''\
# A title still naming a disability after this is held with its pupils (PL222).

[display_grades]
enabled = false                # true: J1–J3 classes 1年/2年/3年 → 7年/8年/9年 (Tsukuba)

[grace]
enabled = false                # true: disable pupils missing longer than `days` (PL308)
days = 90                      # the pilot waited about three months

[guard]
max_share = 0.05               # refuse a plan moving/disabling/dropping more than 5% of users
min_users = 50                 # below this many previous users the guard counts absolute
                               # changes against min_users instead of a share
# One night only (e.g. a rollover the preview says the guard would refuse):
#   renkei pipeline run --config city.toml --guard-max-share 0.12
# leaves this file as it is.

[schedule]
# The preparation report's timeline (renkei rehearse --export … --config …). Defaults: the
# next 1 April and the Digital Agency model schedule's milestones (docs/preparation.md).
# rollover = 2027-04-01          # 年次更新の夜 (the first run of the new 年度)
# c4th_settings = 2026-12-01     # 校務支援システムの設定作業の期限
# entrants_roster = 2027-02-01   # 次年度の入学者名簿の作成（ID・初期パスワードファイルを含む）
# linkage_settings = 2027-03-01  # アカウント連携の設定作業の期限（データ移行を含む）
'''
