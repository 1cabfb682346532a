set -euo pipefail

az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name userpool \
  --max-surge 101% \
  --drain-timeout 2000 \
  --node-soak-duration 45 \
  --undrainable-node-behavior Evict

az aks nodepool update \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name batchpool \
  --max-surge 0 \
  --max-unavailable two

# The edges of the ranges, and computed values: fine.
az aks nodepool update \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name gpupool \
  --max-surge 1 \
  --drain-timeout 1440 \
  --node-soak-duration 0 \
  --undrainable-node-behavior Cordon

az aks nodepool upgrade \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name spotpool \
  --kubernetes-version 1.33.2 \
  --max-surge "${SURGE}" \
  --node-soak-duration "$SOAK"
