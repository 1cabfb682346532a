set -euo pipefail

az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name userpool \
  --node-count 4 \
  --max-surge 33%

# No surge capacity in the region: in place, one node at a time.
az aks nodepool update \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name batchpool \
  --max-surge 0 \
  --max-unavailable 1
