set -euo pipefail

# A new pool: no surge, and --max-unavailable left at its default of 0.
az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name userpool \
  --node-count 4 \
  --max-surge 0

# Both written as 0.
az aks nodepool update \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name batchpool \
  --max-surge 0% \
  --max-unavailable 0

# An existing pool keeps its maxUnavailable: not judged on what it does not set.
az aks nodepool update \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name gpupool \
  --max-surge 0

# In place, two nodes at a time: fine.
az aks nodepool upgrade \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name spotpool \
  --kubernetes-version 1.33.2 \
  --max-surge 0 \
  --max-unavailable 2

# Computed values are not judged.
az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name extrapool \
  --max-surge "$SURGE"
