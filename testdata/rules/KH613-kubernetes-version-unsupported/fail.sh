# scan: --as-of 2026-11-29
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterLegacy \
  --kubernetes-version 1.29 \
  --generate-ssh-keys

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  -k 1.34 \
  --generate-ssh-keys

az aks upgrade \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --kubernetes-version 1.33.2 \
  --yes

az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSClusterOld \
  --name userpool \
  --node-count 2 \
  --kubernetes-version 1.32

az aks nodepool upgrade \
  --resource-group myResourceGroup \
  --cluster-name myAKSClusterOld \
  --name batchpool \
  -k 1.31.4

# Long-term support needs the Premium tier; 1.30's ended in July 2026.
az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterLts \
  --tier premium \
  --k8s-support-plan AKSLongTermSupport \
  --kubernetes-version 1.30 \
  --generate-ssh-keys

# Without the Premium tier the community date applies: 1.32 ended in March 2026.
az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterStd \
  --tier standard \
  --k8s-support-plan AKSLongTermSupport \
  --kubernetes-version 1.32 \
  --generate-ssh-keys
