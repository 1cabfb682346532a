#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --enable-aad \
  --aad-admin-group-object-ids $AKS_ADMIN_GROUP_ID \
  --enable-azure-rbac \
  --disable-local-accounts \
  --generate-ssh-keys

# Without Entra integration there is no Azure RBAC to ask for (KH604 reports this one).
az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --generate-ssh-keys

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --enable-azure-rbac
