set -euo pipefail

# No --node-count: az gives the pool 3 nodes.
az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name userpool

az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name batchpool \
  --enable-cluster-autoscaler \
  --min-count 1 \
  --max-count 10

# Two nodes: below the threshold.
az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name smallpool \
  --node-count 2

# A count computed at run time is not judged.
az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name extrapool \
  --node-count "$COUNT"

# An update leaves the surge as it is.
az aks nodepool update \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name userpool \
  --max-count 20

# Flags passed through a variable may set the surge.
az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name gpupool \
  $EXTRA_FLAGS
