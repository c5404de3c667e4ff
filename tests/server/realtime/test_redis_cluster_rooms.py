"""Live rooms on a Redis Cluster: the whole app (its start-up's durability probe, the room's
line writing each batch as one MULTI under the owner's fence, the chat scripts, durable
scores, the lease's renewal) against three masters on loopback. This module's
``redis_url`` is the cluster's (tests/server/store/redis_cluster.py); the room tests it
takes from other modules run on it as they are."""

from collections.abc import Iterator

import pytest

from tests.server.realtime.test_chat import (  # noqa: F401 (run here, on the cluster)
    test_a_host_deletes_a_message_for_everyone,
    test_a_reconnect_gets_exactly_the_missed_messages_once_in_order,
    test_a_resend_with_the_same_client_id_is_stored_and_delivered_once,
)
from tests.server.realtime.test_judging_room import (  # noqa: F401
    test_judges_score_sealed_until_the_chair_closes_then_the_table_and_ranking,
)
from tests.server.realtime.test_line import (  # noqa: F401
    test_a_burst_of_chat_shares_round_trips_and_arrives_in_one_order,
    writes,
)
from tests.server.realtime.test_ownership import (  # noqa: F401
    test_a_room_whose_lease_is_lost_at_renewal_is_dropped,
    test_a_stale_owners_chat_is_not_saved_nor_delivered_and_its_room_dropped,
    test_the_first_connection_takes_the_rooms_lease,
)
from tests.server.realtime.test_questions_room import (  # noqa: F401
    test_an_anonymous_question_is_nameless_for_everyone,
)
from tests.server.store.redis_cluster import cluster_url


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from cluster_url(tmp_path_factory.mktemp("cluster"))
