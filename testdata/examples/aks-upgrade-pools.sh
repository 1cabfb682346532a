# scan: --as-of 2026-11-29
# A runbook that moves the shop cluster to newer Kubernetes minors, with the node-pool
# settings that make such an upgrade stall or fail (see aks-upgrade-pools.sh.expect).
# Versions are judged against the AKS calendar at the date on the first line.
set -euo pipefail

RG=rg-shop
CLUSTER=aks-shop

# Control plane and node pools to 1.35.
az aks upgrade --resource-group "$RG" --name "$CLUSTER" --kubernetes-version 1.35 --yes

# The batch pool has no quota for surge nodes, and may not lose one either.
az aks nodepool update \
  --resource-group "$RG" \
  --cluster-name "$CLUSTER" \
  --name batch \
  --max-surge 0 \
  --max-unavailable 0

# Thirty minutes, written in seconds.
az aks nodepool update \
  --resource-group "$RG" \
  --cluster-name "$CLUSTER" \
  --name user \
  --max-surge 33% \
  --drain-timeout 1800

# A GPU pool pinned ahead of its control plane.
az aks nodepool add \
  --resource-group "$RG" \
  --cluster-name "$CLUSTER" \
  --name gpu \
  --node-count 2 \
  --max-surge 1 \
  --kubernetes-version 1.36

# Three nodes (the default count), upgraded one at a time.
az aks nodepool add \
  --resource-group "$RG" \
  --cluster-name "$CLUSTER" \
  --name web

# Straight to 1.37, past 1.36.
az aks upgrade --resource-group "$RG" --name "$CLUSTER" --kubernetes-version 1.37 --yes

# A Windows Server 2019 pool: out of support since March 2026, and refused on 1.33 and later.
az aks nodepool add \
  --resource-group "$RG" \
  --cluster-name "$CLUSTER" \
  --name win19 \
  --os-type Windows \
  --os-sku Windows2019 \
  --max-surge 33%
