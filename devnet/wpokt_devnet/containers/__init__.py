"""The container cluster: a Docker engine (``engine``), the images (``images``) and the
12-container test of ``make cluster-test`` (``cluster_test``)."""
