"""Public opinion in the self-media age (DIGEST, "Public opinion", Essay 3).

Each citizen holds an opinion of government o_i ∈ [0, 1] and an attention state
(0 = not engaged, 1 = engaged with an incident, 2 = bored). Per step:

1. **Attention** (onset → growth → peak → aftermath). Engaged citizens expose
   their network neighbours and, through the self-media overlay, their followers:
   a fraction ``amplifiers`` of citizens each have ``followers`` random followers.
   A citizen exposed by e engaged contacts engages with probability
   1 − (1 − spread·(1 − noise))^e (``noise``: the share of traffic that is "water
   army" noise or false messages, which dilutes the real signal); on engaging its
   opinion falls by the incident's size, o ← o·(1 − size). Engaged citizens get
   bored with probability ``decay`` (the next hot topic takes attention, so opinion
   fragments) and bored ones become receptive again with probability ``forget``
   (default 0: an incident runs its course once, as an SIR epidemic; a new
   incident makes everyone receptive again).
2. **Asymmetric visibility**: each citizen sees its contacts' changes of
   satisfaction ΔS, failures with weight ``fail_visibility`` and repairs with weight
   ``repair_visibility`` (failures are seen fast and widely, repairs slowly and
   rarely): o_i += news_weight · mean_contacts(w·ΔS) (expected-value form).
3. **Bounded confidence** (Deffuant et al. 2000): each citizen hears one random
   network neighbour j (with probability ``noise`` the message is noise, a uniform
   random opinion); if |o_j − o_i| < ``confidence`` then o_i += convergence·(o_j − o_i).
   Synchronous, one-sided updates (every citizen listens once per step).
4. **Coupling with trust**: opinion and trust in government pull on each other,
   o ← o + κ(T − o), T ← T + κ(o − T) (κ = ``coupling``; assumption).

An ``incident`` shock seeds engaged citizens. Disabled: opinions stay at
``initial`` and nothing above happens.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..network import degrees, random_neighbour

GAP = 0.02  # opinions further apart than this (sorted) start a new cluster


class OpinionDynamics:
    """Opinion and attention; entry points :meth:`step` and :meth:`seed_incident`."""

    def __init__(self, params, state, adj, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.rng = rng
        n = state.n
        state.opinion = np.full(n, params.initial)
        state.attention = np.zeros(n, dtype=np.int8)
        self.incident_size = 0.0
        self.previous_satisfaction = None
        self.contacts = adj
        if self.enabled:
            state.opinion = np.clip(params.initial + 0.1 * rng.standard_normal(n), 0, 1)
            self.contacts = self._with_followers(adj, n)
        self.contact_degree = degrees(self.contacts).astype(float)

    def _with_followers(self, adj, n: int):
        """Network plus amplifier -> follower links (followers hear their amplifier)."""
        p = self.params
        amplifiers = np.flatnonzero(self.rng.random(n) < p.amplifiers)
        if amplifiers.size == 0 or p.followers == 0:
            return adj
        src = np.repeat(amplifiers, p.followers)
        dst = self.rng.integers(0, n, size=src.size)
        keep = src != dst
        follow = sp.csr_array((np.ones(int(keep.sum())), (dst[keep], src[keep])), shape=(n, n))
        contacts = (adj + follow).tocsr()
        contacts.data[:] = 1.0
        return contacts

    def seed_incident(self, state, mask: np.ndarray, size: float) -> None:
        """An incident: the masked citizens engage now and lose a share ``size`` of opinion."""
        if not self.enabled:
            return
        self.incident_size = size
        state.attention[state.attention == 2] = 0  # a new topic: everyone is receptive again
        newly = mask & (state.attention != 1)
        state.attention[newly] = 1
        state.opinion[newly] *= 1.0 - size

    def step(self, state, adj, deg, communication: np.ndarray | None = None) -> None:
        """One step of attention, visibility, bounded confidence and coupling."""
        if not self.enabled:
            return
        self._attention(state)
        self._visibility(state)
        self._bounded_confidence(state, adj, deg)
        if communication is not None:
            state.opinion += communication * (1.0 - state.opinion)
        k = self.params.coupling
        o, t = state.opinion.copy(), state.trust_gov
        state.opinion = np.clip(o + k * (t - o), 0, 1)
        state.trust_gov = np.clip(t + k * (o - t), 0, 1)

    def _attention(self, state) -> None:
        p = self.params
        engaged = (state.attention == 1).astype(float)
        exposure = self.contacts @ engaged
        catch = 1.0 - (1.0 - p.spread * (1.0 - p.noise)) ** exposure
        draw = self.rng.random((3, state.n))
        newly = (state.attention == 0) & (draw[0] < catch)
        bored = (state.attention == 1) & (draw[1] < p.decay)
        again = (state.attention == 2) & (draw[2] < p.forget)
        state.opinion[newly] *= 1.0 - self.incident_size
        state.attention[newly] = 1
        state.attention[bored] = 2
        state.attention[again] = 0

    def _visibility(self, state) -> None:
        p = self.params
        s = state.satisfaction
        if self.previous_satisfaction is not None:
            change = s - self.previous_satisfaction
            seen = change * np.where(change < 0, p.fail_visibility, p.repair_visibility)
            # mean over contacts; a citizen without contacts hears no news
            news = (self.contacts @ seen) / np.maximum(self.contact_degree, 1.0)
            state.opinion = np.clip(state.opinion + p.news_weight * news, 0, 1)
        self.previous_satisfaction = s.copy()

    def _bounded_confidence(self, state, adj, deg) -> None:
        p = self.params
        o = state.opinion
        j = random_neighbour(adj, deg, self.rng.random(o.size))
        heard = np.where(j >= 0, o[np.maximum(j, 0)], o)
        noisy = self.rng.random(o.size) < p.noise
        heard = np.where(noisy, self.rng.random(o.size), heard)
        close = np.abs(heard - o) < p.confidence
        state.opinion = o + np.where(close, p.convergence * (heard - o), 0.0)


def opinion_clusters(opinion: np.ndarray, min_share: float = 0.01) -> int:
    """Clusters: runs of sorted opinions with gaps <= GAP holding >= min_share of citizens."""
    o = np.sort(opinion)
    cuts = np.flatnonzero(np.diff(o) > GAP) + 1
    sizes = np.diff(np.concatenate([[0], cuts, [o.size]]))
    return int((sizes >= min_share * o.size).sum())
