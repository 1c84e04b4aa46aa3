"""Public opinion in the self-media age (DIGEST, "Public opinion", Essay 3).

Each citizen holds an opinion of government o_i ∈ [0, 1] and an attention state
(0 = not engaged, 1 = engaged with an incident, 2 = bored). Per step:

1. **Attention** (onset → growth → peak → aftermath). Engaged citizens expose
   their network neighbours and, through the self-media overlay, their followers:
   a fraction ``amplifiers`` of citizens each have ``followers`` random followers.
   A citizen exposed by e engaged contacts engages with probability
   1 − (1 − spread·(1 − noise))^e (``noise``: the share of traffic that is "water
   army" noise or false messages, which dilutes the real signal); on engaging with
   an incident for the first time its opinion falls by the incident's size,
   o ← o·(1 − size). Engaged citizens get bored with probability ``decay`` (the
   next hot topic takes attention, so opinion fragments) and bored ones become
   receptive again with probability ``forget`` (default 0: an incident runs its
   course once, as an SIR epidemic; with forget > 0 attention may return, but
   news already taken in costs no more opinion). When nobody is engaged the
   incident is over; a new incident makes everyone receptive again.
2. **Asymmetric visibility**: each citizen keeps a perceived performance P_i,
   what the news from its contacts says about public service. It follows the
   contacts' mean satisfaction S̄_i, failures fast and repairs slowly:
   P_i += w·(S̄_i − P_i), w = ``fail_visibility`` if S̄_i < P_i, else
   ``repair_visibility`` (failures are seen fast and widely, repairs slowly and
   rarely), and opinion moves with it: o_i += news_weight·ΔP_i. Opinion thus reacts
   to service against an expectation that adapts: stationary service leaves P, and
   so opinion, stationary (the news adds up to news_weight·(P_t − P_0), bounded),
   while a drop is taken in almost at once and an equal recovery only gradually.
3. **Bounded confidence** (Deffuant et al. 2000): each citizen hears one random
   network neighbour j (chosen with probability w_ij / Σ_j w_ij, by tie strength, with
   ``network.weights: true``) (with probability ``noise`` the message is noise, a uniform
   random opinion); if |o_j − o_i| < ``confidence`` then o_i += convergence·(o_j − o_i).
   Synchronous, one-sided updates (every citizen listens once per step).
4. **Coupling with trust**: opinion and trust in government pull on each other,
   o ← o + κ(T − o), T ← T + κ(o − T) (κ = ``coupling``; assumption).

Initial opinions: ``initial`` ± ``initial_spread``, normal (sd) or uniform
(half-width) by ``initial_distribution``, clipped to [0, 1].

An ``incident`` shock seeds engaged citizens. Disabled: opinions stay at
``initial`` and nothing above happens.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ..mechanism import Mechanism, metric
from ..network import degrees, random_neighbour, weighted_neighbour

GAP = 0.02  # opinions further apart than this (sorted) start a new cluster


@metric("opinion of government", "index", 0, 1)
def opinion_mean(m) -> float:
    """Mean opinion of government (NaN when the opinion mechanism is off)."""
    return float(m.citizens.opinion.mean()) if m.opinion.enabled else math.nan


@metric("polarization", "index", 0, 1)
def polarization(m) -> float:
    """4 x variance of opinions, in [0, 1] (1 = half at 0, half at 1)."""
    return float(4.0 * m.citizens.opinion.var()) if m.opinion.enabled else math.nan


@metric("attention to an incident", "share of citizens", 0, 1)
def attention(m) -> float:
    """Fraction of citizens currently engaged with an incident."""
    return float((m.citizens.attention == 1).mean())


@metric("opinion clusters", "count", 0)
def opinion_clusters(m) -> float:
    """Major opinion clusters, holding >= 5 % of citizens (sorted opinions split at gaps > 0.02)."""
    return float(count_clusters(m.citizens.opinion)) if m.opinion.enabled else math.nan


class OpinionDynamics(Mechanism):
    """Opinion and attention; phase :meth:`step`; shocks call :meth:`seed_incident`."""

    name = "opinion"
    headline = ("opinion_mean", "attention")
    reads = ("scenario", "citizens", "adjacency", "weights", "strength", "responding")
    writes = ("citizens.opinion", "citizens.attention", "citizens.trust_gov", "opinion")
    metrics = (opinion_mean, opinion_clusters, polarization, attention)

    def __init__(self, params, state, adj, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.rng = rng
        n = state.n
        state.opinion = np.full(n, params.initial)
        state.attention = np.zeros(n, dtype=np.int8)
        self.incident_size = 0.0  # size of the live incident (0: none)
        self.hit = np.zeros(n, dtype=bool)  # who has lost opinion to the live incident
        self.perceived = None  # P_i: perceived performance (set at the first observation)
        self.contacts = adj
        self.weighted = False  # whom a citizen hears: by tie strength (set by build)
        if self.enabled:
            state.opinion = initial_opinions(params, n, rng)
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

    def seed_incident(self, state, mask: np.ndarray, size: float, new: bool = True) -> None:
        """An incident: the masked citizens engage now and lose a share ``size`` of opinion.

        ``new``: a new topic, for which everyone is receptive again and may lose opinion
        once more; otherwise the seeds join the live incident (an incident shock seeds
        over ``over`` steps).
        """
        if not self.enabled:
            return
        if new:
            state.attention[state.attention == 2] = 0
            self.hit[:] = False
        self.incident_size = size
        self._engage(state, mask & (state.attention != 1))

    def _engage(self, state, newly: np.ndarray) -> None:
        """Newly engaged citizens lose opinion to the incident, once each per incident."""
        first = newly & ~self.hit
        state.opinion[first] *= 1.0 - self.incident_size
        self.hit |= newly
        state.attention[newly] = 1

    def update(self, state, adj, deg, communication: np.ndarray | None = None) -> None:
        """One step of attention, visibility, bounded confidence and coupling; ``adj`` and
        ``deg``: whom citizens hear in bounded confidence (tie weights and strengths)."""
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
        self._engage(state, newly)
        state.attention[bored] = 2
        state.attention[again] = 0
        if not (state.attention == 1).any():  # attention has died out: the incident is over
            self.incident_size = 0.0

    def _visibility(self, state) -> None:
        p = self.params
        heard = (self.contacts @ state.satisfaction) / np.maximum(self.contact_degree, 1.0)
        if self.perceived is None:  # the first news sets the expectation
            self.perceived = heard
            return
        gap = heard - self.perceived
        change = gap * np.where(gap < 0, p.fail_visibility, p.repair_visibility)
        change[self.contact_degree == 0] = 0.0  # a citizen without contacts hears no news
        self.perceived += change
        state.opinion = np.clip(state.opinion + p.news_weight * change, 0, 1)

    def _bounded_confidence(self, state, adj, deg) -> None:
        p = self.params
        o = state.opinion
        pick = weighted_neighbour if self.weighted else random_neighbour  # same draws
        j = pick(adj, deg, self.rng.random(o.size))
        heard = np.where(j >= 0, o[np.maximum(j, 0)], o)
        noisy = self.rng.random(o.size) < p.noise
        heard = np.where(noisy, self.rng.random(o.size), heard)
        close = np.abs(heard - o) < p.confidence
        state.opinion = o + np.where(close, p.convergence * (heard - o), 0.0)

    @classmethod
    def build(cls, ctx):
        unit = cls(ctx.scenario.mechanisms.opinion, ctx.citizens, ctx.adjacency,
                   ctx.stream("opinion"))
        unit.weighted = ctx.weights is not ctx.adjacency
        ctx.opinion = unit  # shocks seed incidents through it
        return unit

    def reform(self, ctx, params) -> None:
        was = self.enabled
        super().reform(ctx, params)
        if self.switched_on(was):  # opinions and followers, drawn now from its stream
            self.__init__(params, ctx.citizens, ctx.adjacency, self.rng)
            self.weighted = ctx.weights is not ctx.adjacency

    def step(self, ctx) -> None:
        """Opinion dynamics; districts answering a warning hear the government (7.13)."""
        c = ctx.citizens
        warned = ctx.responding[c.district]
        communication = ctx.scenario.mechanisms.early_warning.communication
        # whom citizens hear: by tie strength (the neighbours alike unless network.weights)
        self.update(c, ctx.weights, ctx.strength,
                    communication * warned if warned.any() else None)


def initial_opinions(params, n: int, rng: np.random.Generator) -> np.ndarray:
    """Initial opinions around ``initial``: normal with sd ``initial_spread``, or uniform on
    initial ± initial_spread; clipped to [0, 1]."""
    m, d = params.initial, params.initial_spread
    if params.initial_distribution == "uniform":
        return np.clip(m + d * (2.0 * rng.random(n) - 1.0), 0, 1)
    return np.clip(m + d * rng.standard_normal(n), 0, 1)


def count_clusters(opinion: np.ndarray, min_share: float = 0.05) -> int:
    """Major clusters: runs of sorted opinions with gaps <= GAP holding >= min_share of citizens.

    5 % leaves out Deffuant's minor clusters at the extremes and the fragments into
    which a small population's sparse tails split (so the count does not depend on N).
    """
    o = np.sort(opinion)
    cuts = np.flatnonzero(np.diff(o) > GAP) + 1
    sizes = np.diff(np.concatenate([[0], cuts, [o.size]]))
    return int((sizes >= min_share * o.size).sum())


