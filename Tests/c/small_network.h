/* small_network.h: the network JSON the C harnesses share: Linear(2->3) -> LIF(3) ->
 * Linear(3->2) -> LIF(2). The one large input weight makes fuzzy scaling (|mean| + 2 std of the
 * non-zero weights) give a weight of 138, outside int8. */
#ifndef CELESTA_TEST_SMALL_NETWORK_H
#define CELESTA_TEST_SMALL_NETWORK_H

static const char *NETWORK =
    "{\"layers\": ["
    "{\"type\": \"Linear\", \"n_in\": 2, \"n_out\": 3, \"weight\": [[1.0, 0.1, 0.1], [0.1, 0.1, 0.1]]},"
    "{\"type\": \"LIF\", \"n_in\": 3, \"n_out\": 3, \"tau_mem\": [0.02, 0.02, 0.02], \"tau_syn\": [0.01, 0.01, 0.01],"
    " \"threshold\": [0.5, 0.5, 0.5], \"bias\": [0, 0, 0], \"dt\": 0.001},"
    "{\"type\": \"Linear\", \"n_in\": 3, \"n_out\": 2, \"weight\": [[0.5, -0.5], [0.3, 0.2], [0.1, 0.4]]},"
    "{\"type\": \"LIF\", \"n_in\": 2, \"n_out\": 2, \"tau_mem\": [0.02, 0.02], \"tau_syn\": [0.01, 0.01],"
    " \"threshold\": [0.5, 0.5], \"dt\": 0.001}"
    "]}";

#endif
