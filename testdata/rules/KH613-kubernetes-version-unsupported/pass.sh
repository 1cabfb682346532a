# scan: --as-of 2026-11-29
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --kubernetes-version 1.35 \
  --auto-upgrade-channel patch \
  --generate-ssh-keys

az aks upgrade \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --kubernetes-version 1.36 \
  --yes

az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name userpool \
  --node-count 2 \
  -k 1.35.1

# Long-term support on the Premium tier: 1.32 is supported until March 2027.
az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterLts \
  --tier premium \
  --k8s-support-plan AKSLongTermSupport \
  --kubernetes-version 1.32 \
  --generate-ssh-keys

# Without a version AKS picks its default.
az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --generate-ssh-keys

az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterTest \
  --kubernetes-version $K8S_VERSION \
  --generate-ssh-keys
