"""End to end: an MLP built from mg.nn layers learns the two-spirals problem.

Two interleaved spiral arms cannot be told apart by any straight line (a
logistic regression stays near 50%); a two-hidden-layer Tanh MLP trained with
Adam on the full batch must reach at least 97% training accuracy. Seeded, so
every run trains the same way.
"""
import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn


def test_mlp_learns_two_spirals():
    features, labels = mg.data.make_spirals(n_samples=400, noise=0.05, seed=0)
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(),
                          nn.Linear(64, 2))
    optimizer = mg.optim.Adam(model.parameters(), lr=0.02)
    rows = mg.arange(len(labels))
    losses = []
    for _ in range(400):
        log_probabilities = F.log_softmax(model(features), dim=1)
        loss = -log_probabilities[rows, labels].mean()  # cross-entropy
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with mg.no_grad():
        accuracy = (model(features).argmax(dim=1) == labels).detach().numpy().mean()
    assert losses[0] > 0.6 and losses[-1] < 0.1
    assert accuracy >= 0.97, f"train accuracy {accuracy:.3f} after 400 Adam steps"
