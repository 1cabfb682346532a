set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --kubernetes-version 1.30 \
  --generate-ssh-keys

# Newer than the control plane.
az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name userpool \
  --kubernetes-version 1.31

# Three minors behind it.
az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name legacypool \
  -k 1.27.9

# The control plane alone moves to 1.31: a pool may now follow.
az aks upgrade \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --kubernetes-version 1.31 \
  --control-plane-only \
  --yes

az aks nodepool upgrade \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name userpool \
  --kubernetes-version 1.31

# Another cluster, whose version this script does not set: not judged.
az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name otherCluster \
  --name userpool \
  --kubernetes-version 1.35
