"""The state's tests again, on MariaDB: each unit test that takes ``make_state`` runs here
with a database of its own on the farm's MariaDB server (started for the session), as
production farms and Toolforge's ToolsDB keep the state."""
from __future__ import annotations

import pytest

from tests.unit.test_budget import (  # noqa: F401 - collected here again
    test_the_farms_budget_holds_beside_each_consumers,
    test_the_state_keeps_the_days_bytes_and_the_files_that_wait,
)
from tests.unit.test_decisions import (  # noqa: F401 - collected here again
    test_the_state_keeps_how_each_flag_closed_and_the_agreements,
)
from tests.unit.test_flags import (  # noqa: F401 - collected here again
    test_the_state_keeps_flags_apart_from_the_last_outcome,
)
from tests.unit.test_review import (  # noqa: F401 - collected here again
    test_flags_come_from_the_state_and_close_when_an_outcome_finds_their_cause_gone,
)
from tests.unit.test_state import (  # noqa: F401 - collected here again
    test_a_control_page_is_kept_as_a_trusted_user_left_it,
    test_a_copy_flagged_for_its_sources_structured_data_counts_as_cached,
    test_a_copy_that_stands_by_a_person_or_a_decision_is_one_the_bot_made,
    test_a_later_write_moves_a_purge_on_and_an_earlier_time_never_brings_it_back,
    test_a_purge_is_pending_for_each_consumer_until_that_consumer_did_it,
    test_failures_count_runs_in_a_row_for_the_same_reason_and_source_version,
    test_files_that_wait_are_listed_with_their_last_reading_and_counted_by_reason,
    test_lookups_for_a_batch_read_only_its_titles,
    test_the_longest_titles_are_kept_whole_in_every_table,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def state_backend() -> str:
    return 'mariadb'
