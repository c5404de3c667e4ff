"""The domain of Yunhui: pure, synchronous, standard library only."""
